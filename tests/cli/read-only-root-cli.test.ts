import { chmod, chown, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { assertNobodyCanRead, NOBODY } from '../support/nobody.js';
import { CLI, type CliResult, startCli } from './run-cli.js';

// issue 20, item 13: `verify` exited 1 on every read-only root, because such a root has no pointer
// (its catalog lives in the cache mirror). A read-only root is fine when the mirror's pointer names a
// good snapshot; a writable root that lost its pointer is still a problem.

beforeAll(() => assertNobodyCanRead(CLI));

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], as: { uid?: number; gid?: number } = {}): Promise<CliResult> =>
  startCli(args, {}, as).done;

/** A root the user `nobody` may read but not write (the tests run as root, whom chmod does not stop). */
async function readOnlyRoot() {
  const root = await tempDir('ro-root');
  const cacheDir = await tempDir('ro-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, { 'a.jpg': await syntheticJpeg(1), 'b/c.jpg': await syntheticJpeg(2) });
  await chmod(root, 0o755);
  await chmod(path.join(root, 'b'), 0o755);
  await chown(cacheDir, NOBODY.uid, NOBODY.gid);
  return { root, cacheDir };
}

test('verify of a read-only local root whose catalog lives in the mirror exits 0', async () => {
  const { root, cacheDir } = await readOnlyRoot();
  const scan = await cli(['--cache-dir', cacheDir, 'scan', root, '--json'], NOBODY);
  expect(scan.code, scan.stderr).toBe(0);
  expect(JSON.parse(scan.stdout).warnings).toEqual([expect.stringMatching(/read-only/)]);
  // Nothing of the catalog's reached the root.
  expect((await readdir(root)).sort()).toEqual(['a.jpg', 'b']);

  const verify = await cli(['--cache-dir', cacheDir, 'verify', root], NOBODY);
  expect(verify.stdout).toMatch(/root pointer: .*read-only/);
  expect(verify.stdout).toMatch(/mirror pointer: 1 snapshot\(s\)/);
  expect(verify.stdout.trim().split('\n').at(-1)).toBe('ok');
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);

  const json = await cli(['--cache-dir', cacheDir, 'verify', root, '--json'], NOBODY);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({ ok: true });
  // The check wrote nothing into the root, not even for a moment's probe left behind.
  expect((await readdir(root)).sort()).toEqual(['a.jpg', 'b']);
});

test('verify of a writable root that lost its pointer still reports it', async () => {
  const { root, cacheDir } = await readOnlyRoot();
  await chown(root, NOBODY.uid, NOBODY.gid);
  const scan = await cli(['--cache-dir', cacheDir, 'scan', root], NOBODY);
  expect(scan.code, scan.stderr).toBe(0);
  await rm(path.join(root, '.photolala.md5'));
  const verify = await cli(['--cache-dir', cacheDir, 'verify', root], NOBODY);
  expect(verify.stdout).toMatch(/root pointer: no pointer file/);
  expect(verify.stdout.trim().split('\n').at(-1)).toBe('problems found');
  expect(verify.code).toBe(1);
});

test("a read-only root's warning names the root and the system's refusal, not the temp files", async () => {
  const { root, cacheDir } = await readOnlyRoot();
  const scan = await cli(['--cache-dir', cacheDir, 'scan', root, '--json'], NOBODY);
  expect(scan.code, scan.stderr).toBe(0);
  expect(JSON.parse(scan.stdout).warnings).toEqual([
    `the root ${root} is read-only (EACCES: permission denied); the catalog is kept in the cache mirror only`,
  ]);
});
