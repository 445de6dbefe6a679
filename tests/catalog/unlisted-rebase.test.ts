import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, type EnumerateOptions, openCatalog, type RootSource } from '@photolala/core';
import { expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';
import { syntheticJpeg } from '../support/fs.js';

// Two processes on one root, the second to open publishing first: the first's publish replays its
// session onto the newer snapshot (see rebase.ts). What its scan could not catalog must survive that,
// and so must what the other's scan found and it did not see.

const { cleanup, opened } = cleanupAfterEach();

/** A name that is not UTF-8 (the stem, the one Latin-1 byte 0xE9, `.jpg`), and how it is shown. */
const latin1 = (stem: string) => Buffer.concat([Buffer.from(stem), Buffer.from([0xe9]), Buffer.from('.jpg')]);
const shown = (stem: string) => `${stem}\uFFFD.jpg`;
const inRoot = (root: string, name: Buffer) => Buffer.concat([Buffer.from(`${root}/`), name]);

async function open(root: string, cacheDir: string, source?: RootSource) {
  const catalog = await openCatalog(source ?? (await createLocalSource({ root })), { cacheDir });
  opened.push(catalog);
  return catalog;
}

const unlistedOf = (c: Catalog) => c.photoColumns().unlisted.map((u) => u.path);
const starred = (c: Catalog) => c.list({ starred: true }).map((e) => e.path);

test('a scan’s unlisted files survive a rebase onto a star another process published first', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  const scanning = await open(root, cacheDir);
  const starring = await open(root, cacheDir);
  await writeFile(inRoot(root, latin1('caf')), await syntheticJpeg(40));
  await starring.star('a.jpg');
  await starring.close();

  const result = await scanning.scan();
  expect(result.failed.map((f) => f.path)).toContain(shown('caf'));
  expect(unlistedOf(scanning)).toEqual([shown('caf')]);
  expect(starred(scanning)).toEqual(['a.jpg']);
  await scanning.close();

  const after = await open(root, cacheDir);
  expect(unlistedOf(after)).toEqual([shown('caf')]);
  expect(starred(after)).toEqual(['a.jpg']);
});

test('a scan that finds an unlisted file gone empties the list, though the other process’s snapshot still has it', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  await writeFile(inRoot(root, latin1('caf')), await syntheticJpeg(40));
  const first = await open(root, cacheDir);
  await first.scan();
  await first.close();

  const scanning = await open(root, cacheDir);
  const starring = await open(root, cacheDir);
  expect(unlistedOf(scanning)).toEqual([shown('caf')]);
  await starring.star('a.jpg');
  await starring.close();
  await rename(inRoot(root, latin1('caf')), path.join(root, 'cafe.jpg'));
  const result = await scanning.scan();
  expect(result.added).toEqual(['cafe.jpg']);
  await scanning.close();

  const after = await open(root, cacheDir);
  expect(unlistedOf(after)).toEqual([]);
  expect(starred(after)).toEqual(['a.jpg']);
  expect(after.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg', 'cafe.jpg']);
});

test('an unlisted file another process’s scan found after this scan listed the root is kept, with this scan’s own', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  await writeFile(path.join(root, 'new.jpg'), await syntheticJpeg(41));
  await writeFile(inRoot(root, latin1('one')), await syntheticJpeg(42));
  // The first scan is held once its listing is done: the other scan runs meanwhile.
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached!: () => void;
  const listed = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const local = await createLocalSource({ root });
  const holding = Object.assign(Object.create(local) as RootSource, {
    async *enumerate(options?: EnumerateOptions) {
      yield* local.enumerate(options);
      reached();
      await held;
    },
  });
  const scanning = await open(root, cacheDir, holding);
  const other = await open(root, cacheDir);

  const scan = scanning.scan();
  await listed;
  await writeFile(inRoot(root, latin1('two')), await syntheticJpeg(43));
  await other.scan();
  expect(unlistedOf(other)).toEqual([shown('one'), shown('two')]);
  await other.close();
  release();
  const result = await scan;
  expect(result.added).toEqual(['new.jpg']);
  // What this scan saw, and what the other saw after it: two.jpg is still not cataloged.
  expect(unlistedOf(scanning)).toEqual([shown('one'), shown('two')]);
  await scanning.close();

  const after = await open(root, cacheDir);
  expect(unlistedOf(after)).toEqual([shown('one'), shown('two')]);
});
