import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parsePointer } from '@photolala/core/internals';
import { afterAll, expect, test } from 'vitest';
import { startWebdavServer } from '../../packages/backend-webdav/test/servers.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli } from './run-cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the CLI catalogs a webdav:// root with the password from PHOTOLALA_WEBDAV_PASSWORD', async () => {
  const share = await tempDir('cli-dav');
  const cacheDir = await tempDir('cli-dav-cache');
  cleanup.push(share, cacheDir);
  await writeTree(share, { 'a.jpg': await syntheticJpeg(1), 'sub/b.jpg': await syntheticJpeg(2) });
  const server = await startWebdavServer(share, { username: 'bob', password: 's3cret-pw' });
  try {
    const root = server.url.replace('webdav://', 'webdav://bob@');
    const scan = await runCli(['--cache-dir', cacheDir, 'scan', root, '--json'], {
      PHOTOLALA_WEBDAV_PASSWORD: 's3cret-pw',
    });
    expect(scan.code).toBe(0);
    const result = JSON.parse(scan.stdout);
    // The canonical root carries neither the user nor the password.
    expect(result).toMatchObject({ root: server.url, entries: 2, added: 2, failed: [] });
    expect(scan.stdout).not.toContain('s3cret-pw');
    expect(parsePointer(await readFile(path.join(share, '.photolala.md5'), 'utf8'))).toEqual([
      result.catalogMd5,
    ]);
    const denied = await runCli(['--cache-dir', cacheDir, 'list', root], {
      PHOTOLALA_WEBDAV_PASSWORD: 'wrong',
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/HTTP 401/);
    expect(denied.stderr).not.toContain('wrong');
  } finally {
    await server.stop();
  }
});

test('photolala list and an unchanged rescan of a webdav:// root send it no PUT, MOVE or DELETE', async () => {
  const share = await tempDir('cli-dav-list');
  const cacheDir = await tempDir('cli-dav-list-cache');
  cleanup.push(share, cacheDir);
  await writeTree(share, { 'a.jpg': await syntheticJpeg(1), 'sub/b.jpg': await syntheticJpeg(2) });
  const server = await startWebdavServer(share);
  const writes = () => ['PUT', 'MOVE', 'DELETE', 'MKCOL'].map((m) => server.requests.get(m) ?? 0);
  try {
    expect((await runCli(['--cache-dir', cacheDir, 'scan', server.url])).code).toBe(0);
    const files = (await readdir(share)).sort();
    server.requests.clear();
    const list = await runCli(['--cache-dir', cacheDir, 'list', server.url]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('a.jpg');
    const rescan = await runCli(['--cache-dir', cacheDir, 'scan', server.url, '--json']);
    expect(rescan.code, rescan.stderr).toBe(0);
    expect(JSON.parse(rescan.stdout)).toMatchObject({ unchanged: 2, wroteNewSnapshot: false });
    expect(writes()).toEqual([0, 0, 0, 0]);
    expect(server.requests.get('PROPFIND')).toBeGreaterThan(0);
    expect((await readdir(share)).sort()).toEqual(files);
  } finally {
    await server.stop();
  }
});
