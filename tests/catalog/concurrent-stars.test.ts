import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, openCatalog } from '@photolala/core';
import { expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';
import { syntheticJpeg } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

async function open(root: string, cacheDir: string) {
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  return catalog;
}

const starred = (c: Catalog) => c.list({ starred: true }).map((e) => e.path);

test('a star published while a scan runs is merged into the scan’s snapshot, not erased by it', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  await writeFile(path.join(root, 'new.jpg'), await syntheticJpeg(40));
  // Both opened from the same snapshot; the star is published first, the scan last.
  const scanning = await open(root, cacheDir);
  const starring = await open(root, cacheDir);
  await starring.star('a.jpg');
  await starring.close();
  const result = await scanning.scan();
  expect(result.added).toEqual(['new.jpg']);
  expect(starred(scanning)).toEqual(['a.jpg']);
  await scanning.close();

  const after = await open(root, cacheDir);
  expect(after.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg', 'new.jpg']);
  expect(starred(after)).toEqual(['a.jpg']);
  expect(after.starQueue().map((r) => [r.operation, r.path])).toEqual([['star', 'a.jpg']]);
});

test('two sessions starring, unstarring and syncing at once keep each other’s changes', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  const first = await open(root, cacheDir);
  await first.star('b/c.jpg');
  await first.close();

  const one = await open(root, cacheDir);
  const two = await open(root, cacheDir);
  await one.star('a.jpg');
  await two.unstar('b/c.jpg');
  // The star of b/c.jpg was uploaded by a sync in session two before it was unstarred.
  await two.close();
  await one.close();
  const after = await open(root, cacheDir);
  expect(starred(after)).toEqual(['a.jpg']);
  // b/c.jpg's star and unstar cancelled out in the queue; a.jpg's star waits for sync.
  expect(after.starQueue().map((r) => [r.operation, r.path, r.state])).toEqual([
    ['star', 'a.jpg', 'pending'],
  ]);

  const syncing = await open(root, cacheDir);
  const starring = await open(root, cacheDir);
  await syncing.markStarSynced(syncing.starQueue()[0]!.seq);
  await starring.star('b/c.jpg');
  await starring.close();
  await syncing.close();
  const last = await open(root, cacheDir);
  expect(starred(last)).toEqual(['a.jpg', 'b/c.jpg']);
  expect(last.starQueue().map((r) => [r.operation, r.path, r.state])).toEqual([
    ['star', 'a.jpg', 'done'],
    ['star', 'b/c.jpg', 'pending'],
  ]);
});
