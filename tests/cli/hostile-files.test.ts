import { execFileSync } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PhotoCache } from '@photolala/core';
import { afterAll, describe, expect, test } from 'vitest';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { type CliResult, startCli } from './run-cli.js';

// Hostile but fair files in a shared root or the cache (issue 20): a FIFO where the catalog expects a
// file, leftovers of a killed process, a root the user may read but not write.

/** A command still running after this long is hung: it is killed and the test fails. */
const HANG_MS = 30_000;

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI; a run that has not ended within HANG_MS is killed and reported as hung. */
async function cli(args: string[], options: { uid?: number; gid?: number } = {}): Promise<CliResult> {
  const run = startCli(args, {}, options);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`photolala ${args.join(' ')} hung (killed after ${HANG_MS} ms)`));
    }, HANG_MS);
  });
  try {
    return await Promise.race([run.done, hung]);
  } finally {
    clearTimeout(timer);
  }
}

async function scannedRoot(prefix: string) {
  const root = await tempDir(prefix);
  const cacheDir = await tempDir(`${prefix}-cache`);
  cleanup.push(root, cacheDir);
  await writeTree(root, { 'a.jpg': await syntheticJpeg(1), 'b.jpg': await syntheticJpeg(2) });
  const scan = await cli(['--cache-dir', cacheDir, 'scan', root, '--json']);
  expect(scan.code, scan.stderr).toBe(0);
  const { catalogMd5 } = JSON.parse(scan.stdout) as { catalogMd5: string };
  const mirror = new PhotoCache(cacheDir).mirrorDir(`file://${root}`);
  return { root, cacheDir, catalogMd5, mirror };
}

function makeFifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

async function replaceWithFifo(file: string): Promise<void> {
  await rm(file, { force: true });
  makeFifo(file);
}

/** The commands of issue 20 that a FIFO hung, each with what it must print. */
const everyCommand = (root: string): { args: string[]; prints: string }[] => [
  { args: ['list', root], prints: 'a.jpg' },
  { args: ['status', root], prints: '0 added, 0 removed' },
  { args: ['snapshots', root], prints: 'ok' },
  { args: ['thumbnail', root, 'a.jpg'], prints: '.jpg' },
  { args: ['metadata', root, 'a.jpg'], prints: '.json' },
  { args: ['star', root, 'a.jpg'], prints: 'a.jpg' },
  { args: ['verify', root], prints: 'cache: 0 entries missing' },
  { args: ['scan', root], prints: '2 entries' },
];

describe('FIFOs never hang a command', () => {
  test('a FIFO as the root pointer: every command loads the mirror and ends', async () => {
    const { root, cacheDir } = await scannedRoot('fifo-root-pointer');
    for (const { args, prints } of everyCommand(root)) {
      // A command that publishes replaces the FIFO with a pointer: plant it again each time.
      await replaceWithFifo(path.join(root, '.photolala.md5'));
      const result = await cli(['--cache-dir', cacheDir, ...args]);
      // verify reports the damaged pointer as a problem, and must say why.
      if (args[0] === 'verify') {
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/root pointer: unreadable: .*not a regular file/);
      } else expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout + result.stderr).toContain(prints);
    }
  });

  test('a FIFO as the mirror pointer: every command loads the root and ends', async () => {
    const { root, cacheDir, mirror } = await scannedRoot('fifo-mirror-pointer');
    const pointer = path.join(mirror, '.photolala.md5');
    for (const { args, prints } of everyCommand(root)) {
      // A command that publishes replaces the FIFO with a pointer: plant it again each time.
      await replaceWithFifo(pointer);
      const result = await cli(['--cache-dir', cacheDir, ...args]);
      if (args[0] === 'verify') {
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/mirror pointer: unreadable: .*not a regular file/);
      } else expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout + result.stderr).toContain(prints);
    }
  });

  test('a FIFO as a snapshot file, in the root or the mirror: the other copy is loaded', async () => {
    const { root, cacheDir, catalogMd5, mirror } = await scannedRoot('fifo-snapshot');
    const name = `.photolala.${catalogMd5}.sqlite`;
    await replaceWithFifo(path.join(root, name));
    const fromMirror = await cli(['--cache-dir', cacheDir, '-v', 'list', root]);
    expect(fromMirror.code, fromMirror.stderr).toBe(0);
    expect(fromMirror.stdout).toContain('b.jpg');
    expect(fromMirror.stderr).toMatch(/skipped root .*not a regular file/);
    const snapshots = await cli(['--cache-dir', cacheDir, 'snapshots', root]);
    expect(snapshots.stdout).toMatch(/unreadable .*\.photolala\./);

    // The root's copy restored, the mirror's turned into a FIFO: the root's copy is brought back.
    await rm(path.join(root, name));
    await copyFile(path.join(mirror, name), path.join(root, name));
    await replaceWithFifo(path.join(mirror, name));
    const fromRoot = await cli(['--cache-dir', cacheDir, '-v', 'list', root]);
    expect(fromRoot.code, fromRoot.stderr).toBe(0);
    expect(fromRoot.stdout).toContain('a.jpg');
  });

  test('thumbnail and verify --repair of a photo turned into a FIFO fail with the reason', async () => {
    const { root, cacheDir } = await scannedRoot('fifo-photo');
    await replaceWithFifo(path.join(root, 'a.jpg'));
    // A cache of its own: the thumbnail must be made again from the photo.
    const freshCache = await tempDir('fifo-photo-fresh-cache');
    cleanup.push(freshCache);
    const thumbnail = await cli(['--cache-dir', freshCache, 'thumbnail', root, 'a.jpg']);
    expect(thumbnail.code).toBe(1);
    expect(thumbnail.stderr).toMatch(/a\.jpg.*a FIFO, not a regular file/);
    const repair = await cli(['--cache-dir', freshCache, 'verify', root, '--repair', '--json']);
    expect(repair.code).toBe(1);
    const report = JSON.parse(repair.stdout) as {
      repaired: string[];
      repairFailed: { path: string; reason: string }[];
    };
    expect(report.repaired).toEqual(['b.jpg']);
    expect(report.repairFailed).toEqual([
      { path: 'a.jpg', reason: expect.stringMatching(/a FIFO, not a regular file/) },
    ]);
    void cacheDir;
  });

  test('a scan reports a FIFO among the photos as skipped, with the reason', async () => {
    const root = await tempDir('fifo-scan');
    const cacheDir = await tempDir('fifo-scan-cache');
    cleanup.push(root, cacheDir);
    await writeTree(root, { 'a.jpg': await syntheticJpeg(3), 'sub/b.jpg': await syntheticJpeg(4) });
    makeFifo(path.join(root, 'sub', 'pipe.jpg'));
    const scan = await cli(['--cache-dir', cacheDir, 'scan', root, '--json']);
    expect(scan.code, scan.stderr).toBe(0);
    const result = JSON.parse(scan.stdout) as {
      entries: number;
      skipped: { path: string; reason: string }[];
    };
    expect(result.entries).toBe(2);
    expect(result.skipped).toEqual([
      { path: 'sub/pipe.jpg', reason: expect.stringMatching(/a FIFO, not a regular file/) },
    ]);
  });
});
