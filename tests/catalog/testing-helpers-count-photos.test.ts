import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { countingSource, faultySource } from '@photolala/core/testing';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

// The README promises a test that "opens no file" with countingSource, and damaged() names the paths
// a catalog must report failed: both concern the root's photos, never the catalog's own files.

const { cleanup, opened } = cleanupAfterEach();

async function scannedRoot() {
  const root = await tempDir('root');
  const cacheDir = await tempDir('cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, { 'a.jpg': await syntheticJpeg(1), 'b/c.jpg': await syntheticJpeg(2) });
  const first = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await first.scan();
  await first.close();
  return { root, cacheDir };
}

describe('the testing helpers count only the root photos', () => {
  test('countingSource: opening a catalog and an unchanged rescan open no file', async () => {
    const { root, cacheDir } = await scannedRoot();
    // A fresh cache: the catalog is loaded from the root, through its pointer and snapshot.
    const freshCache = await tempDir('cache');
    cleanup.push(freshCache);
    for (const cache of [cacheDir, freshCache]) {
      const source = countingSource(await createLocalSource({ root }));
      const catalog = await openCatalog(source, { cacheDir: cache });
      opened.push(catalog);
      const again = await catalog.scan();
      expect(again.changed).toEqual([]);
      expect(source.opened()).toBe(0);
      expect([...source.fulls.keys(), ...source.heads.keys()]).toEqual([]);
    }
  });

  test('faultySource: the catalog files are never faulted, and damaged() names only photos', async () => {
    const { root } = await scannedRoot();
    const freshCache = await tempDir('cache');
    cleanup.push(freshCache);
    // Every read fails: the pointer and snapshot still load, and only photos are damaged.
    const source = faultySource(await createLocalSource({ root }), { seed: 1, rates: { fail: 1 } });
    const catalog = await openCatalog(source, { cacheDir: freshCache });
    opened.push(catalog);
    expect(catalog.list().map((entry) => entry.path)).toEqual(['a.jpg', 'b/c.jpg']);
    await catalog.scan({ full: true });
    expect([...source.damaged()].sort()).toEqual(['a.jpg', 'b/c.jpg']);
  });
});
