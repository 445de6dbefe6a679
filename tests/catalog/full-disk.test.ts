import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { md5Hex, parsePointer, snapshotFileName } from '@photolala/core/internals';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES, syntheticJpeg, tempDir } from '../support/fs.js';

// issue 20, guarantees: a scan on a full disk (a real 4 MiB tmpfs, mounted as root as the tests run)
// fails with a clear error, naming the file and saying "no space left on device", exits with the
// documented code, and leaves the previous snapshot and pointer intact: they load. Before, a disk
// that filled while the catalog was written said only "database or disk is full".

let disk: string;
const cleanup: string[] = [];
beforeAll(async () => {
  disk = await tempDir('full-disk');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk]);
});
afterAll(async () => {
  execFileSync('umount', [disk]);
  await rm(disk, { recursive: true, force: true });
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** Fills the tmpfs until `slack` bytes are left. */
async function fill(folder: string, slack: number) {
  const { bavail, bsize } = await statfs(disk);
  await writeFile(path.join(folder, 'filler.bin'), Buffer.alloc(Math.max(0, bavail * bsize - slack)));
}

/** What the root's pointer names, checked: every snapshot it names is there and hashes to its name. */
async function intactPointer(folder: string): Promise<string[]> {
  const named = parsePointer(await readFile(path.join(folder, '.photolala.md5'), 'utf8'));
  for (const md5 of named) expect(md5Hex(await readFile(path.join(folder, snapshotFileName(md5))))).toBe(md5);
  return named;
}

/** A root on the tmpfs, scanned once with `a.jpg`, then given 30 more photos that need a new catalog. */
async function rootWithNewPhotos(name: string, cacheDir: string) {
  const root = path.join(disk, name);
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, 'a.jpg'), await readFile(path.join(FIXTURES, 'DSCN0010.jpg')));
  const first = await runCli(['--cache-dir', cacheDir, 'scan', root]);
  expect(first.code, first.stderr).toBe(0);
  const before = await intactPointer(root);
  for (let i = 0; i < 30; i++) await writeFile(path.join(root, `new_${i}.jpg`), await syntheticJpeg(i));
  return { root, before };
}

const listPaths = async (cacheDir: string, root: string) => {
  const list = await runCli(['--cache-dir', cacheDir, 'list', root, '--json']);
  expect(list.code, list.stderr).toBe(0);
  return list.stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { path: string }).path);
};

describe('a scan on a full disk', () => {
  test('a full root: the upload fails naming the snapshot, exit 3, and the root keeps its catalog', async () => {
    const cacheDir = await tempDir('full-disk-cache');
    cleanup.push(cacheDir);
    const { root, before } = await rootWithNewPhotos('root-only', cacheDir);
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await fill(root, 0);

    const scan = await runCli(['--cache-dir', cacheDir, 'scan', root, '--json']);
    expect(scan.code, scan.stderr).toBe(3);
    const report = JSON.parse(scan.stdout);
    expect(report.publishFailed).toEqual(['root']);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^could not write the snapshot to the root: IO: cannot write "${snapshotFileName(report.catalogMd5).replaceAll('.', '\\.')}": ENOSPC: no space left on device`,
        ),
      ),
    ]);
    // The root's pointer and snapshot are as they were, and no temp file of the upload is left.
    expect(await intactPointer(root)).toEqual(before);
    expect((await readdir(root)).filter((n) => n.startsWith('.photolala'))).toEqual([
      snapshotFileName(before[0]!),
      '.photolala.md5',
    ]);
    // A machine with no cache of its own loads the root's previous catalog.
    const fresh = await tempDir('full-disk-fresh');
    cleanup.push(fresh);
    expect(await listPaths(fresh, root)).toEqual(['a.jpg']);

    // With room again, the next scan brings the root up to date.
    await rm(path.join(root, 'filler.bin'));
    const again = await runCli(['--cache-dir', cacheDir, 'scan', root, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((await intactPointer(root))[0]).toBe(JSON.parse(again.stdout).catalogMd5);
    expect(await listPaths(fresh, root)).toHaveLength(31);
  });

  // The cache on the full disk too. The disk fills at a different step of the scan for each slack:
  // the working copy of the catalog (0), SQLite's writes to it (80 kB), the snapshots being published
  // to both stores (520 kB). The scan needs about 490 kB, more at its peak; 620 kB is enough.
  test.each([0, 80_000, 520_000])(
    'root and cache full with %i bytes left: an error naming a file and the cause, and the previous catalog loads',
    async (slack) => {
      const cacheDir = path.join(disk, `cache-${slack}`);
      const root = path.join(disk, `root-${slack}`);
      // Even when the test fails: the next one needs the room.
      onTestFinished(async () => {
        await rm(root, { recursive: true, force: true });
        await rm(cacheDir, { recursive: true, force: true });
      });
      const { before } = await rootWithNewPhotos(`root-${slack}`, cacheDir);
      const mirror = (await readdir(cacheDir)).length;
      expect(mirror).toBeGreaterThan(0);
      await fill(root, slack);

      const scan = await runCli(['--cache-dir', cacheDir, 'scan', root]);
      // 1: the scan failed (nothing published); 3: some photos or a store failed, the rest published.
      expect([1, 3], scan.stdout + scan.stderr).toContain(scan.code);
      const said = scan.stdout + scan.stderr;
      expect(said).toMatch(/no space left on device/);
      expect(said).not.toMatch(/database or disk is full(?! *\))/);
      // Each line that reports the failure names the file it concerns.
      for (const line of said.split('\n').filter((l) => /no space left on device/.test(l)))
        expect(line).toMatch(/"[^"]*(\.sqlite|\.jpg|\.webp|\.json|\.md5)"|'[^']+'/);
      if (scan.code === 1) expect(await intactPointer(root)).toEqual(before);
      else await intactPointer(root);

      // The catalog still loads, from this cache and from none.
      await rm(path.join(root, 'filler.bin'));
      const paths = await listPaths(cacheDir, root);
      expect(paths).toContain('a.jpg');
      if (scan.code === 1) expect(paths).toEqual(['a.jpg']);
      const fresh = await tempDir('full-disk-fresh');
      cleanup.push(fresh);
      expect(await listPaths(fresh, root)).toContain('a.jpg');
    },
  );
});
