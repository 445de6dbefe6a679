import { readFile, utimes } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

describe('Catalog.firstScreen', () => {
  it('gives the newest photos of any count in one order, each at its place in the listing', async () => {
    const root = await tempDir('first-screen');
    const cacheDir = await tempDir('first-screen-cache');
    cleanup.push(root, cacheDir);
    // Photos whose paths run against their dates, over five months (one by its EXIF date, 2008-05),
    // among entries that are no photos.
    const tree: Record<string, Uint8Array | string> = {
      'm/canon.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
      'a-notes.txt': 'not a photo',
      'k/broken.jpg': 'not a JPEG',
    };
    const names = Array.from({ length: 10 }, (_, i) => `${String.fromCharCode(122 - i)}/p${i}.jpg`);
    for (const [i, name] of names.entries()) tree[name] = await syntheticJpeg(60 + i);
    await writeTree(root, tree);
    for (const [i, name] of names.entries()) {
      // Two photos a month, March to July 2023; the ninth and tenth share a time.
      const when = new Date(Date.UTC(2023, 2 + Math.floor(i / 2), 1 + Math.min(i, 8)));
      await utimes(path.join(root, name), when, when);
    }
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    const listed = catalog.list().map((e) => e.path);
    const all = catalog.firstScreen(300);
    expect(all.total).toBe(11);
    expect(all.months).toEqual([
      { month: '2023-07', count: 2 },
      { month: '2023-06', count: 2 },
      { month: '2023-05', count: 2 },
      { month: '2023-04', count: 2 },
      { month: '2023-03', count: 2 },
      { month: '2008-05', count: 1 },
    ]);
    // Newest first; the two of one time by path.
    expect(all.photos.map((p) => p.path)).toEqual([
      'q/p9.jpg',
      'r/p8.jpg',
      's/p7.jpg',
      't/p6.jpg',
      'u/p5.jpg',
      'v/p4.jpg',
      'w/p3.jpg',
      'x/p2.jpg',
      'y/p1.jpg',
      'z/p0.jpg',
      'm/canon.jpg',
    ]);
    for (const photo of all.photos) expect(listed[photo.position]).toBe(photo.path);
    for (let limit = 0; limit <= 12; limit++)
      expect(catalog.firstScreen(limit).photos).toEqual(all.photos.slice(0, limit));
  });
});
