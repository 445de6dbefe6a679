import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { md5Hex, parsePointer } from '@photolala/core/internals';
import { afterAll, expect, test } from 'vitest';
import { startSamba } from '../../packages/backend-smb/test/samba.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli } from './run-cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the CLI catalogs an smb:// root with the password from PHOTOLALA_SMB_PASSWORD', async () => {
  const share = await tempDir('cli-smb');
  const cacheDir = await tempDir('cli-smb-cache');
  cleanup.push(share, cacheDir);
  await writeTree(share, { 'a.jpg': await syntheticJpeg(1), 'trip/b.jpg': await syntheticJpeg(2) });
  const server = await startSamba([{ name: 'photos', dir: share }]);
  try {
    const canonical = `smb://127.0.0.1:${server.port}/photos`;
    const root = canonical.replace('smb://', `smb://${server.username}@`);
    const env = { PHOTOLALA_SMB_PASSWORD: server.password };
    const scan = await runCli(['--cache-dir', cacheDir, 'scan', root, '--json'], env);
    expect(scan.code).toBe(0);
    const result = JSON.parse(scan.stdout);
    // The canonical root carries neither the user nor the password.
    expect(result).toMatchObject({ root: canonical, entries: 2, added: 2, failed: [] });
    expect(scan.stdout + scan.stderr).not.toContain(server.password);
    expect(parsePointer(await readFile(path.join(share, '.photolala.md5'), 'utf8'))).toEqual([
      result.catalogMd5,
    ]);

    const list = await runCli(['--cache-dir', cacheDir, 'list', root, '--json'], env);
    expect(list.code).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { path: string; photoMd5: string });
    expect(rows.map((r) => [r.path, r.photoMd5])).toEqual([
      ['a.jpg', md5Hex(await syntheticJpeg(1))],
      ['trip/b.jpg', md5Hex(await syntheticJpeg(2))],
    ]);

    const denied = await runCli(['--cache-dir', cacheDir, 'list', root], {
      PHOTOLALA_SMB_PASSWORD: 'wrong-pw',
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/STATUS_LOGON_FAILURE/);
    expect(denied.stderr).not.toContain('wrong-pw');
  } finally {
    await server.stop();
  }
});
