import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, openCatalog } from '@photolala/core';
import { md5Hex, POINTER_FILE, parsePointer, snapshotFileName } from '@photolala/core/internals';
import { expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';

const { cleanup, opened } = cleanupAfterEach();

async function reopen(root: string, cacheDir: string, readOnly = false) {
  const catalog = await openCatalog(await createLocalSource({ root, readOnly }), { cacheDir });
  opened.push(catalog);
  return catalog;
}

const starred = (c: Catalog) => c.list({ starred: true }).map((e) => e.path);
const pointerOf = async (dir: string) => parsePointer(await readFile(path.join(dir, POINTER_FILE), 'utf8'));

test('a star published to the mirror of a read-only root wins over the root pointer’s older snapshot', async () => {
  const { root, cacheDir, mirror, older } = await scannedRoot(cleanup);
  const readOnly = await reopen(root, cacheDir, true);
  await readOnly.star('a.jpg');
  await readOnly.close();
  // The root still names the snapshot from before the star; only the mirror holds the star.
  expect(await pointerOf(root)).toEqual([older]);
  const starredMd5 = (await pointerOf(mirror))[0];
  expect(starredMd5).not.toBe(older);

  for (const readOnlyAgain of [true, false]) {
    const again = await reopen(root, cacheDir, readOnlyAgain);
    expect(again.loadInfo).toMatchObject({ source: 'mirror', catalogMd5: starredMd5 });
    expect(starred(again)).toEqual(['a.jpg']);
    await again.close();
  }
  // The writable open's close published nothing new; a scan keeps the newest first everywhere.
  const scanning = await reopen(root, cacheDir, true);
  const result = await scanning.scan();
  expect(result.catalogMd5).toBe(starredMd5);
  expect((await pointerOf(mirror))[0]).toBe(starredMd5);
  await scanning.close();
  expect(starred(await reopen(root, cacheDir, true))).toEqual(['a.jpg']);
});

test('a snapshot from before generations (no generation recorded) loads, and counts as the oldest', async () => {
  const { root, cacheDir, mirror, older } = await scannedRoot(cleanup);
  const generation = (await readFile(path.join(root, snapshotFileName(older)))).readUInt32BE(60);
  expect(generation).toBe(1);
  const legacy = await reopen(root, cacheDir);
  await legacy.star('b/c.jpg');
  await legacy.close();
  const withStar = (await pointerOf(root))[0]!;
  // A pointer naming a legacy snapshot (generation 0) in the root loses to the mirror's generation 2.
  const legacyMd5 = await legacySnapshot(root, older);
  await writeFile(path.join(root, POINTER_FILE), `${legacyMd5}\n`);
  const c = await reopen(root, cacheDir, true);
  expect(c.loadInfo.catalogMd5).toBe(withStar);
  expect(starred(c)).toEqual(['b/c.jpg']);
  // And alone it loads as it always did.
  await rm(path.join(mirror, POINTER_FILE));
  const alone = await reopen(root, cacheDir, true);
  expect(alone.loadInfo).toMatchObject({ source: 'root', catalogMd5: legacyMd5 });
  expect(alone.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg']);
});

/** A copy of a snapshot with generation 0, as the code before generations wrote them. */
async function legacySnapshot(root: string, md5: string): Promise<string> {
  const bytes = await readFile(path.join(root, snapshotFileName(md5)));
  bytes.writeUInt32BE(0, 60);
  const legacyMd5 = md5Hex(bytes);
  await writeFile(path.join(root, snapshotFileName(legacyMd5)), bytes);
  return legacyMd5;
}

test('both pointers garbage: the newest valid snapshot file found is adopted, with its stars', async () => {
  const { root, cacheDir, mirror } = await scannedRoot(cleanup, { twice: true });
  const c = await reopen(root, cacheDir);
  await c.star('d.jpg');
  await c.close();
  opened.splice(opened.indexOf(c), 1);
  const newest = (await pointerOf(root))[0]!;
  await writeFile(path.join(root, POINTER_FILE), 'not a pointer\n../../etc/passwd\n');
  await writeFile(path.join(mirror, POINTER_FILE), '\0\0garbage');

  const adopted = await reopen(root, cacheDir);
  expect(adopted.loadInfo).toMatchObject({ source: 'adopted', catalogMd5: newest });
  expect(starred(adopted)).toEqual(['d.jpg']);
  expect(adopted.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg', 'd.jpg']);
  // The next publish names it again in both pointers.
  await adopted.star('a.jpg');
  const saved = await adopted.save();
  expect((await pointerOf(root))[0]).toBe(saved);
  expect((await pointerOf(mirror))[0]).toBe(saved);
});

test('the mirror lost and the root pointer garbage: the newest snapshot file is adopted from the root', async () => {
  const { root, cacheDir, mirror, newer } = await scannedRoot(cleanup, { twice: true });
  await rm(mirror, { recursive: true });
  await writeFile(path.join(root, POINTER_FILE), 'garbage\n');
  const c = await reopen(root, cacheDir, true);
  expect(c.loadInfo).toMatchObject({ source: 'adopted', catalogMd5: newer });
  expect(c.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg', 'd.jpg']);
});
