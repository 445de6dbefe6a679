import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { REPO_ROOT, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const child = fileURLToPath(new URL('./fifo-swap-child.ts', import.meta.url));
const { cleanup } = cleanupAfterEach();

/** Scans a fresh root of three photos in a child that swaps `a.jpg` for a FIFO at `moment`. */
async function scanWithSwap(moment: 'head' | 'all') {
  const root = await tempDir('fifo-swap');
  const cacheDir = await tempDir('fifo-swap-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, {
    // Over 4 KiB, so the digest reads it again rather than keep its head.
    'a.jpg': await syntheticJpeg(1, 640, 480),
    'b.jpg': await syntheticJpeg(2),
    'c/d.jpg': await syntheticJpeg(3),
  });
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', child, root, cacheDir, 'a.jpg', moment],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  // Killed by the timeout: the scan hung on the FIFO.
  expect(result.signal, `the scan hung: ${result.stderr}`).toBe(null);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as {
    entries: number;
    paths: string[];
    digested: number;
    skipped: { path: string; reason: string }[];
    failed: { path: string; reason: string }[];
  };
}

describe('a photo swapped for a FIFO while a scan runs', () => {
  test('between listing and head read: the scan completes and reports it skipped, with the reason', async () => {
    const result = await scanWithSwap('head');
    expect(result.skipped).toEqual([
      { path: 'a.jpg', reason: expect.stringMatching(/"a\.jpg" is a FIFO, not a regular file/) },
    ]);
    expect(result.failed).toEqual([]);
    expect(result.paths).toEqual(['b.jpg', 'c/d.jpg']);
    expect(result).toMatchObject({ entries: 2, digested: 2 });
  });

  test('between head read and digest: the scan completes and reports it failed, with the reason', async () => {
    const result = await scanWithSwap('all');
    expect(result.failed).toEqual([
      { path: 'a.jpg', reason: expect.stringMatching(/"a\.jpg" is a FIFO, not a regular file/) },
    ]);
    expect(result.digested).toBe(3);
    expect(result.paths).toEqual(['a.jpg', 'b.jpg', 'c/d.jpg']);
  });
});
