import type { BackendPlugin } from '@photolala/core/backend';
import { createLocalSource } from './local-source.js';

/** Lets front ends open `file://` roots and plain paths by scheme. */
export const photolalaBackend: BackendPlugin = {
  schemes: ['file'],
  createSource: (_root, location, context) => {
    if (location.scheme !== 'file') throw new TypeError(`backend-local cannot open ${location.uri}`);
    return createLocalSource({ root: location.path, readOnly: context.readOnly ?? false });
  },
};
