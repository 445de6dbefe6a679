import { rm } from 'node:fs/promises';
import { afterAll, test } from 'vitest';
import { startSamba } from '../../packages/backend-smb/test/samba.js';
import { tempDir } from '../support/fs.js';
import { checkMediaOnShare } from '../support/media-remote.js';

// Issue 25, "Done when": groups and sidecars work on every backend that can hold such files; here an
// SMB share served by the system smbd.

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('RAW+JPEG, a Live Photo paired by identifier and XMP sidecars on an smb:// root', async () => {
  const share = await tempDir('media-smb');
  const cacheDir = await tempDir('media-smb-cache');
  cleanup.push(share, cacheDir);
  const server = await startSamba([{ name: 'photos', dir: share }]);
  try {
    const root = `smb://${server.username}@127.0.0.1:${server.port}/photos`;
    await checkMediaOnShare(root, { PHOTOLALA_SMB_PASSWORD: server.password }, share, cacheDir);
  } finally {
    await server.stop();
  }
}, 180_000);
