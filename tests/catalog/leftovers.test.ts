import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, pruneCache } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';

// issue 20, item 12: files a killed process leaves in the cache mirror (temp snapshots, their
// journals, working databases) are removed once old enough that no live process can still be
// writing them; the lock file and anything not named exactly as a temp file stay.

const { cleanup, opened } = cleanupAfterEach();
const HOUR = 3600 * 1000;

/** Leftovers of a killed process, two hours old, and files that must survive. */
async function plantLeftovers(mirror: string) {
  const old = new Date(Date.now() - 2 * HOUR);
  const stale = [
    '.photolala-tmp-0a1b2c3d4e5f.sqlite',
    '.photolala-tmp-0a1b2c3d4e5f.sqlite-journal',
    '.photolala-tmp-work-4242-0a1b2c3d.sqlite',
    '.photolala-tmp-work-4242-0a1b2c3d.sqlite-journal',
    '.photolala-tmp-9f8e7d6c5b4a',
  ];
  const kept = [
    // Another process may be writing this one right now.
    '.photolala-tmp-fresh00000000.sqlite',
    // Not a temp file's name, however old.
    'notes.txt',
  ];
  for (const name of stale) {
    await writeFile(path.join(mirror, name), 'leftover');
    await utimes(path.join(mirror, name), old, old);
  }
  await writeFile(path.join(mirror, kept[0]!), 'in progress');
  await writeFile(path.join(mirror, kept[1]!), 'mine');
  await utimes(path.join(mirror, kept[1]!), old, old);
  // A folder named like a temp file is not a file: left alone.
  // The working database of a process still running (this one), however long unwritten.
  const live = `.photolala-tmp-work-${process.pid}-0a0b0c0d.sqlite`;
  await writeFile(path.join(mirror, live), 'open in a gallery');
  await utimes(path.join(mirror, live), old, old);
  await mkdir(path.join(mirror, '.photolala-tmp-folder'));
  await utimes(path.join(mirror, '.photolala-tmp-folder'), old, old);
  await utimes(path.join(mirror, '.photolala.lock'), old, old);
  return { stale, survivors: [kept[0]!, kept[1]!, live, '.photolala-tmp-folder', '.photolala.lock'] };
}

describe('crash leftovers in the cache mirror', () => {
  test('the next open removes stale temp files, and keeps fresh ones and the lock', async () => {
    const { root, cacheDir, mirror } = await scannedRoot(cleanup);
    const { stale, survivors } = await plantLeftovers(mirror);
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    const left = await readdir(mirror);
    for (const name of stale) expect(left).not.toContain(name);
    for (const name of survivors) expect(left).toContain(name);
    expect(catalog.count()).toBe(2);
  });

  test('cache prune removes them from every mirror folder', async () => {
    const { cacheDir, mirror } = await scannedRoot(cleanup);
    const { stale, survivors } = await plantLeftovers(mirror);
    const report = await pruneCache(cacheDir, { maxBytes: 1e12 });
    expect(report.removedTempFiles).toBe(stale.length);
    const left = await readdir(mirror);
    for (const name of stale) expect(left).not.toContain(name);
    for (const name of survivors) expect(left).toContain(name);
    expect(left.filter((n) => /^\.photolala\.[0-9a-f]{32}\.sqlite$/.test(n))).toHaveLength(1);
  });
});
