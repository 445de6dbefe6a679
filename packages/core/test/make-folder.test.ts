import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { makeFolder, makeFolderSync } from '../src/source/make-folder.js';

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});
const scratch = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'photolala-make-folder-'));
  made.push(dir);
  return dir;
};

// Node's { recursive: true } spins forever on the first two; each case here must fail at once (the
// test's timeout is the check that it returns at all).
describe.each([
  ['makeFolder', makeFolder],
  ['makeFolderSync', async (folder: string) => makeFolderSync(folder)],
] as const)('%s', (_name, make) => {
  test('creates missing parents, and accepts a folder that exists', async () => {
    const root = await scratch();
    const deep = path.join(root, 'a', 'b', 'c');
    await make(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await make(deep);
    await make(root);
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  test('fails at once under /proc, under a dangling symlink, and under a file', {
    timeout: 5_000,
  }, async () => {
    const root = await scratch();
    await symlink(path.join(root, 'unmounted-drive'), path.join(root, 'dangling'));
    await writeFile(path.join(root, 'file'), 'x');
    await expect(make('/proc/photolala-make-folder/x')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(make(path.join(root, 'dangling', 'cache'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(make(path.join(root, 'file', 'cache'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(make(path.join(root, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(existsSync(path.join(root, 'unmounted-drive'))).toBe(false);
  });
});
