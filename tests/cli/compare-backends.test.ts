import { execFileSync } from 'node:child_process';
import { open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildLibrary } from '../../packages/backend-apple-photos/test/library-builder.js';
import { type RunningSamba, startSamba } from '../../packages/backend-smb/test/samba.js';
import { type RunningServer, startRclone } from '../../packages/backend-webdav/test/servers.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli } from './run-cli.js';

// compare, duplicates and verify --deep over roots of the other three backends (local and S3 are in
// compare-cli.test.ts): a laptop folder whose photos are spread over an SMB share, a WebDAV folder
// (rclone) and an Apple Photos library, each through its real server or bundle.
const photo = (seed: number) => syntheticJpeg(seed, 80 + seed, 60);
const auth = { username: 'photolala', password: 'dav-secret' };
let samba: RunningSamba;
let rclone: RunningServer;
let env: Record<string, string>;
let cacheDir: string;
let laptop: string;
let shareDir: string;
let smbRoot: string;
let webdavRoot: string;
let bundle: string;
const fileUri = (dir: string) => pathToFileURL(dir).href;
const cleanup: string[] = [];

beforeAll(async () => {
  cacheDir = await tempDir('compare-backends-cache');
  laptop = await tempDir('compare-backends-laptop');
  shareDir = await tempDir('compare-backends-smb');
  const davDir = await tempDir('compare-backends-dav');
  const libraryParent = await tempDir('compare-backends-apple');
  cleanup.push(cacheDir, laptop, shareDir, davDir, libraryParent);
  await writeTree(laptop, {
    'a.jpg': await photo(1),
    'b.jpg': await photo(2),
    'c.jpg': await photo(3),
    'again/a.jpg': await photo(1),
  });
  await writeTree(shareDir, { 'nas/a.jpg': await photo(1), 'nas/b.jpg': await photo(2) });
  await writeTree(davDir, { 'dav/c.jpg': await photo(3), 'dav/d.jpg': await photo(4) });
  ({ bundle } = buildLibrary(libraryParent, 8, [
    { uuid: 'B0000000-0000-4000-8000-000000000002', directory: 'B', ext: 'jpeg', file: await photo(2) },
    { uuid: 'D0000000-0000-4000-8000-000000000004', directory: 'D', ext: 'jpeg', file: await photo(4) },
  ]));
  samba = await startSamba([{ name: 'photos', dir: shareDir }]);
  rclone = await startRclone(davDir, auth);
  smbRoot = `smb://127.0.0.1:${samba.port}/photos`;
  webdavRoot = rclone.url;
  env = { PHOTOLALA_SMB_PASSWORD: samba.password, PHOTOLALA_WEBDAV_PASSWORD: auth.password };
  for (const root of [
    laptop,
    smbRoot.replace('smb://', `smb://${samba.username}@`),
    webdavRoot.replace('webdav://', `webdav://${auth.username}@`),
    bundle,
  ]) {
    const scan = await runCli(['--cache-dir', cacheDir, 'scan', root], env);
    expect(scan.code, scan.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  await samba?.stop();
  await rclone?.stop();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const withUser = (root: string) =>
  root === smbRoot
    ? root.replace('smb://', `smb://${samba.username}@`)
    : root === webdavRoot
      ? root.replace('webdav://', `webdav://${auth.username}@`)
      : root;
const cli = (command: string, roots: string[], ...flags: string[]) =>
  runCli(['--cache-dir', cacheDir, command, ...roots.map(withUser), ...flags], env);
const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('compare finds each laptop photo on the SMB share, the WebDAV folder or in Apple Photos', async () => {
  const everywhere = await cli('compare', [laptop, smbRoot, webdavRoot, bundle], '--json');
  expect(everywhere.stderr).toBe('');
  expect(everywhere.code).toBe(0);
  const lines = ndjson(everywhere.stdout);
  const copies = lines
    .filter((l) => l.type === 'photo')
    .map((p) => [p.path, (p.copies as { root: string }[]).map((c) => c.root).sort()]);
  expect(copies).toEqual([
    ['a.jpg', [smbRoot]],
    ['again/a.jpg', [smbRoot]],
    ['b.jpg', [fileUri(bundle), smbRoot].sort()],
    ['c.jpg', [webdavRoot]],
  ]);
  expect(lines.at(-1)).toMatchObject({ type: 'summary', present: { count: 4 }, missing: { count: 0 } });
  // Neither password reaches the output.
  expect(everywhere.stdout).not.toContain(samba.password);
  expect(everywhere.stdout).not.toContain(auth.password);

  const shareOnly = await cli('compare', [laptop, smbRoot], '--missing');
  expect(shareOnly.code).toBe(3);
  expect(shareOnly.stdout).toMatch(/^missing {2}c\.jpg {2}\(/m);
  expect(shareOnly.stdout).toMatch(/3 photos present .*, 1 photo missing/);
});

test('duplicates groups identical photos across all four roots', async () => {
  const result = await cli('duplicates', [laptop, smbRoot, webdavRoot, bundle], '--json');
  expect(result.code).toBe(0);
  const groups = ndjson(result.stdout).filter((l) => l.type === 'identical') as {
    size: number;
    copies: { root: string; path: string }[];
  }[];
  const sizeOf = async (seed: number) => (await photo(seed)).length;
  const byRoot = (g: (typeof groups)[number]) => g.copies.map((c) => c.root).sort();
  expect(groups.map((g) => [g.size, byRoot(g)]).sort()).toEqual(
    [
      [await sizeOf(1), [fileUri(laptop), fileUri(laptop), smbRoot].sort()],
      [await sizeOf(2), [fileUri(laptop), fileUri(bundle), smbRoot].sort()],
      [await sizeOf(3), [fileUri(laptop), webdavRoot].sort()],
      [await sizeOf(4), [fileUri(bundle), webdavRoot].sort()],
    ].sort(),
  );
});

test('verify --deep reads every photo again through SMB, WebDAV and Apple Photos, and finds bit rot on the share', async () => {
  for (const root of [smbRoot, webdavRoot, bundle]) {
    const clean = await cli('verify', [root], '--deep', '--json');
    expect(clean.code, `${root}: ${clean.stdout}${clean.stderr}`).toBe(0);
    expect(JSON.parse(clean.stdout).photos).toMatchObject({ checked: 2, ok: 2, corrupt: [], changed: [] });
  }

  // One byte of the share's b.jpg flipped behind the server's back, its mtime put back to the
  // nanosecond (touch -r): SMB reports times in 100 ns steps, finer than a Date or a float of seconds.
  const file = path.join(shareDir, 'nas/b.jpg');
  const stamp = path.join(shareDir, '.stamp');
  execFileSync('touch', ['-r', file, stamp]);
  const before = await stat(file);
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  const middle = Math.floor(before.size / 2);
  await handle.read(byte, 0, 1, middle);
  byte[0] = byte[0]! ^ 0xff;
  await handle.write(byte, 0, 1, middle);
  await handle.close();
  execFileSync('touch', ['-r', stamp, file]);
  await rm(stamp);

  const rot = await cli('verify', [smbRoot], '--deep', '--json');
  expect(rot.code, rot.stdout + rot.stderr).toBe(1);
  const report = JSON.parse(rot.stdout);
  expect(report.photos.corrupt).toEqual([expect.objectContaining({ path: 'nas/b.jpg', size: before.size })]);
  expect(report.photos.ok).toBe(1);
});
