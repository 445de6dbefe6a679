import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';

const { cleanup, opened } = cleanupAfterEach();

const snapshotsIn = async (dir: string) =>
  (await readdir(dir)).filter((name) => /^\.photolala\.[0-9a-f]{32}\.sqlite$/.test(name));

test('a star still lands when another process pruned the snapshot this catalog reads in place', async () => {
  const { root, cacheDir, mirror } = await scannedRoot(cleanup);
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  // What a newer publisher's pruning does between this catalog's open and its first write: the
  // file it opened read-only is gone from the mirror and the root alike.
  for (const dir of [mirror, root]) for (const name of await snapshotsIn(dir)) await rm(path.join(dir, name));

  await catalog.star('b/c.jpg');
  await catalog.close();
  opened.length = 0;
  const again = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(again);
  expect(again.list({ starred: true }).map((e) => e.path)).toEqual(['b/c.jpg']);
  expect(again.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg']);
});
