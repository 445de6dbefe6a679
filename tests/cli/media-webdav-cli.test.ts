import { rm } from 'node:fs/promises';
import { afterAll, test } from 'vitest';
import { startWebdavServer } from '../../packages/backend-webdav/test/servers.js';
import { tempDir } from '../support/fs.js';
import { checkMediaOnShare } from '../support/media-remote.js';

// Issue 25, "Done when": groups and sidecars work on every backend that can hold such files; here a
// WebDAV root served by webdav-server.

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('RAW+JPEG, a Live Photo paired by identifier and XMP sidecars on a webdav:// root', async () => {
  const share = await tempDir('media-dav');
  const cacheDir = await tempDir('media-dav-cache');
  cleanup.push(share, cacheDir);
  const server = await startWebdavServer(share, { username: 'bob', password: 's3cret-pw' });
  try {
    const root = server.url.replace('webdav://', 'webdav://bob@');
    await checkMediaOnShare(root, { PHOTOLALA_WEBDAV_PASSWORD: 's3cret-pw' }, share, cacheDir);
  } finally {
    await server.stop();
  }
}, 180_000);
