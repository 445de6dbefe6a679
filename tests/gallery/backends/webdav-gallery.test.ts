import { rm } from 'node:fs/promises';
import { afterAll, test } from 'vitest';
import { startWebdavServer } from '../../../packages/backend-webdav/test/servers.js';
import { tempDir, writeTree } from '../../support/fs.js';
import { galleryPhotos, useGalleryOver } from '../over-root.js';

const checkGalleryOver = useGalleryOver();
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the gallery over a webdav:// root (webdav-server): tiles, the original, a star', async () => {
  const share = await tempDir('gallery-dav');
  const cacheDir = await tempDir('gallery-dav-cache');
  cleanup.push(share, cacheDir);
  const photos = await galleryPhotos();
  await writeTree(share, Object.fromEntries(photos));
  const server = await startWebdavServer(share, { username: 'bob', password: 's3cret-pw' });
  try {
    await checkGalleryOver({
      root: server.url.replace('webdav://', 'webdav://bob@'),
      env: { PHOTOLALA_CACHE_DIR: cacheDir, PHOTOLALA_WEBDAV_PASSWORD: 's3cret-pw' },
      shard: 'local',
      photos,
      open: 'trip/photo-2.jpg',
    });
  } finally {
    await server.stop();
  }
});
