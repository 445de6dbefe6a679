import { rm } from 'node:fs/promises';
import { afterAll, test } from 'vitest';
import { startSamba } from '../../../packages/backend-smb/test/samba.js';
import { tempDir, writeTree } from '../../support/fs.js';
import { galleryPhotos, useGalleryOver } from '../over-root.js';

const checkGalleryOver = useGalleryOver();
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the gallery over an smb:// root (Samba smbd): tiles, the original, a star', async () => {
  const share = await tempDir('gallery-smb');
  const cacheDir = await tempDir('gallery-smb-cache');
  cleanup.push(share, cacheDir);
  const photos = await galleryPhotos();
  await writeTree(share, Object.fromEntries(photos));
  const server = await startSamba([{ name: 'photos', dir: share }]);
  try {
    await checkGalleryOver({
      root: `smb://${server.username}@127.0.0.1:${server.port}/photos`,
      env: { PHOTOLALA_CACHE_DIR: cacheDir, PHOTOLALA_SMB_PASSWORD: server.password },
      shard: 'local',
      photos,
      open: 'photo-1.jpg',
    });
  } finally {
    await server.stop();
  }
});
