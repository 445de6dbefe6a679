import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, PhotoCache } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { REPO_ROOT, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();
const child = fileURLToPath(new URL('./star-child.ts', import.meta.url));

async function scannedRoot() {
  const root = await tempDir('stars-root');
  const cacheDir = await tempDir('stars-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, {
    'a.jpg': await syntheticJpeg(91),
    'b.jpg': await syntheticJpeg(92),
    'c.jpg': await syntheticJpeg(93),
    'd.jpg': await syntheticJpeg(95),
  });
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await catalog.scan();
  await catalog.star('b.jpg');
  await catalog.close();
  const mirror = new PhotoCache(cacheDir).mirrorDir(`file://${root}`);
  return { root, cacheDir, mirror };
}

/** Runs the child to its end: it changes stars and exits without saving. */
function changeStarsAndExit(root: string, cacheDir: string, ...changes: string[]) {
  const run = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', child, root, cacheDir, ...changes],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  expect([run.status, run.stdout, run.stderr]).toEqual([0, 'changed\n', '']);
}

const journals = async (mirror: string) =>
  (await readdir(mirror)).filter((name) => name.startsWith('.photolala-stars-'));

test('star changes a session never saved are replayed by the next open, and published', async () => {
  const { root, cacheDir, mirror } = await scannedRoot();
  changeStarsAndExit(root, cacheDir, '+a.jpg', '-b.jpg');
  expect(await journals(mirror)).toHaveLength(1);

  // An open that must change nothing (a status check) leaves them for the next one.
  const looking = await openCatalog(await createLocalSource({ root }), { cacheDir, recoverStars: false });
  expect(looking.loadInfo.recoveredStars).toBe(0);
  expect(looking.list({ starred: true }).map((e) => e.path)).toEqual(['b.jpg']);
  await looking.close();
  expect(await journals(mirror)).toHaveLength(1);

  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  expect(catalog.loadInfo.recoveredStars).toBe(2);
  expect(catalog.list({ starred: true }).map((e) => e.path)).toEqual(['a.jpg']);
  // Queued for cloud sync as if made here: b's star and unstar cancel out, a's star waits.
  expect(catalog.starQueue().map((r) => [r.operation, r.path, r.state])).toEqual([
    ['star', 'a.jpg', 'pending'],
  ]);
  // The dead session's journal is gone; this session journals the replayed changes itself.
  expect(await journals(mirror)).toHaveLength(1);
  await catalog.close();
  expect(await journals(mirror)).toEqual([]);

  const reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(reopened);
  expect(reopened.loadInfo.recoveredStars).toBe(0);
  expect(reopened.list({ starred: true }).map((e) => e.path)).toEqual(['a.jpg']);
});

test('a saved session leaves no journal; a star for another photo, an unknown path and a torn line are dropped', async () => {
  const { root, cacheDir, mirror } = await scannedRoot();
  const saved = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await saved.star('c.jpg');
  expect(await journals(mirror)).toHaveLength(1);
  await saved.save();
  expect(await journals(mirror)).toEqual([]);
  await saved.close();

  changeStarsAndExit(root, cacheDir, '+a.jpg');
  const [journal] = await journals(mirror);
  const line = (change: object) => `${JSON.stringify(change)}\n`;
  await writeFile(
    path.join(mirror, journal!),
    // d.jpg's star names other bytes than the catalog's d.jpg; nope.jpg is not in the catalog; the
    // last line was cut off by the crash.
    line({ path: 'd.jpg', starred: true, photoMd5: md5Hex(Buffer.from('another photo')) }) +
      line({ path: 'nope.jpg', starred: true, photoMd5: md5Hex(Buffer.from('x')) }) +
      '{"path":"d.j',
    { flag: 'a' },
  );
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  expect(catalog.loadInfo.recoveredStars).toBe(1);
  expect(catalog.list({ starred: true }).map((e) => e.path)).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
});
