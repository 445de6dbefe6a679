import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, type RootSource } from '@photolala/core';
import { md5Hex, snapshotFileName } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';

// issue 20, item 12 (root side): a temp file of an upload killed before its rename, and a snapshot
// that no pointer names (a `star` killed between the snapshot and the pointer), stay in the photo
// folder for good. The next scan removes those unchanged for an hour; it keeps fresh ones, the
// snapshots the pointers name, and an orphan whose generation is not lower than the catalog's.

const { cleanup, opened } = cleanupAfterEach();
const HOUR = 3600 * 1000;

/** A snapshot-named copy of `snapshot` with its last byte changed, so that no pointer names it. */
async function orphanOf(root: string, snapshot: string, age: number, salt: number): Promise<string> {
  const bytes = await readFile(path.join(root, snapshotFileName(snapshot)));
  bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + salt) % 256;
  const name = snapshotFileName(md5Hex(bytes));
  await writeFile(path.join(root, name), bytes);
  const when = new Date(Date.now() - age);
  await utimes(path.join(root, name), when, when);
  return name;
}

async function plant(root: string, older: string, newer: string) {
  const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
  const oldTemp = '.photolala-tmp-0a1b2c3d4e5f';
  const freshTemp = '.photolala-tmp-9f8e7d6c5b4a';
  await writeFile(path.join(root, oldTemp), 'an upload killed before its rename');
  await utimes(path.join(root, oldTemp), twoHoursAgo, twoHoursAgo);
  await writeFile(path.join(root, freshTemp), 'an upload in progress');
  // The snapshots the pointer names stay, however old.
  for (const md5 of [older, newer])
    await utimes(path.join(root, snapshotFileName(md5)), twoHoursAgo, twoHoursAgo);
  return {
    stale: [oldTemp, await orphanOf(root, older, 2 * HOUR, 1)],
    kept: [
      freshTemp,
      snapshotFileName(older),
      snapshotFileName(newer),
      // Written a minute ago: its process may be about to write the pointer.
      await orphanOf(root, older, 60 * 1000, 2),
      // As new a generation as the catalog's: it may hold what no merge has taken in yet.
      await orphanOf(root, newer, 2 * HOUR, 3),
      '.photolala.md5',
    ],
  };
}

describe('crash leftovers at the top of a root', () => {
  test('the next scan removes stale temp files and orphaned snapshots, and keeps the rest', async () => {
    const { root, cacheDir, older, newer } = await scannedRoot(cleanup, { twice: true });
    const { stale, kept } = await plant(root, older, newer);
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    const result = await catalog.scan();
    // The catalog's own files are neither cataloged nor reported.
    expect(result.added).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.catalogMd5).toBe(newer);
    const left = await readdir(root);
    for (const name of stale) expect(left).not.toContain(name);
    for (const name of kept) expect(left).toContain(name);

    // The catalog still loads from the root, whole.
    await catalog.close();
    opened.pop();
    const again = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(again);
    expect(again.loadInfo).toMatchObject({ source: 'root', catalogMd5: newer });
    expect(again.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg', 'd.jpg']);
  });

  test('over the local source as it is, an orphaned snapshot goes', async () => {
    const { root, cacheDir, older, newer } = await scannedRoot(cleanup, { twice: true });
    const { stale, kept } = await plant(root, older, newer);
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    const left = await readdir(root);
    expect(left).not.toContain(stale[1]);
    for (const name of kept) expect(left).toContain(name);
  });

  test('a root the source cannot remove from is left as it is', async () => {
    const { root, cacheDir, older, newer } = await scannedRoot(cleanup, { twice: true });
    const { stale, kept } = await plant(root, older, newer);
    const writable = await createLocalSource({ root });
    const noRemove = Object.assign(Object.create(writable) as RootSource, {
      remove: undefined,
      capabilities: { ...writable.capabilities, removable: false },
    });
    const catalog = await openCatalog(noRemove, { cacheDir });
    opened.push(catalog);
    const result = await catalog.scan();
    expect(result.failed).toEqual([]);
    const left = await readdir(root);
    for (const name of [...stale, ...kept]) expect(left).toContain(name);
  });
});
