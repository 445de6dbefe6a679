import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, type RootSource } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

// A backend may ignore EnumerateOptions.filter (a third-party one did): the scan applies the catalog's
// filter again to what is listed, so its own files and hidden or system ones never enter the catalog.

const { cleanup, opened } = cleanupAfterEach();

/** `plain`, listing everything: the filter the scan passes is dropped. */
function ignoringFilter(plain: RootSource): RootSource {
  return Object.assign(Object.create(plain) as RootSource, {
    enumerate: (options: Parameters<RootSource['enumerate']>[0] = {}) => {
      const { filter: _ignored, ...rest } = options;
      return plain.enumerate(rest);
    },
  });
}

describe('a listing that ignores the filter', () => {
  test('catalogs neither the pointer nor hidden, system files, nor a cache inside the root, and an unchanged rescan publishes nothing new', async () => {
    const root = await tempDir('root');
    cleanup.push(root);
    // A cache inside the root: its thumbnails are JPEGs the scan must not list as photos.
    const cacheDir = path.join(root, 'photo-cache');
    const jpeg = await syntheticJpeg(1);
    await writeTree(root, {
      'a.jpg': jpeg,
      'b/c.jpg': await syntheticJpeg(2),
      '.hidden.jpg': jpeg,
      '.DS_Store': 'x',
      'b/Thumbs.db': 'x',
      '.trash/d.jpg': jpeg,
      'b/@eaDir/e.jpg': jpeg,
      'b/@eaDir/deeper/f.jpg': jpeg,
      'Old.lrdata/g.jpg': jpeg,
    });
    const catalog = await openCatalog(ignoringFilter(await createLocalSource({ root })), { cacheDir });
    opened.push(catalog);
    const first = await catalog.scan();
    expect(catalog.list().map((entry) => entry.path)).toEqual(['a.jpg', 'b/c.jpg']);
    expect(first.failed).toEqual([]);
    const second = await catalog.scan();
    expect(second.added).toEqual([]);
    expect(second.changed).toEqual([]);
    expect(second.catalogMd5).toBe(first.catalogMd5);
    expect(catalog.list().map((entry) => entry.path)).toEqual(['a.jpg', 'b/c.jpg']);
  });
});
