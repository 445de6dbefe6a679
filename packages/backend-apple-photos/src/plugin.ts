import type { BackendPlugin } from '@photolala/core/backend';
import { applePhotosSourceAt } from './apple-photos-source.js';

/** Opens paths ending in `.photoslibrary`; thumbnails and metadata go to the `apple` cache shard. */
export const photolalaBackend: BackendPlugin = {
  schemes: ['apple-photos'],
  cacheShard: 'apple',
  createSource: (_root, location) => {
    if (location.scheme !== 'apple-photos') throw new TypeError(`not a Photos library: ${location.uri}`);
    return applePhotosSourceAt(location);
  },
};
