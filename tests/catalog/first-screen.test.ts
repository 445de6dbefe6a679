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

  it("gives each month's newest photos in the same order, at the month's place in the timeline", async () => {
    const root = await tempDir('month-starts');
    const cacheDir = await tempDir('month-starts-cache');
    cleanup.push(root, cacheDir);
    // Canon_40D.jpg is dated 2008-05 by its EXIF; two photos share that month by their mtimes. March
    // 2023 spreads seven photos over four days (two of them at one time), April three over two.
    const tree: Record<string, Uint8Array | string> = {
      'camera/canon.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
      'notes.txt': 'not a photo',
    };
    const times: [string, Date][] = [
      ['old/a.jpg', new Date(Date.UTC(2008, 4, 1, 8))],
      ['old/z.jpg', new Date(Date.UTC(2008, 4, 31, 20))],
      ['mar/g.jpg', new Date(Date.UTC(2023, 2, 2, 9))],
      ['mar/b.jpg', new Date(Date.UTC(2023, 2, 2, 9))],
      ['mar/c.jpg', new Date(Date.UTC(2023, 2, 2, 7))],
      ['mar/d.jpg', new Date(Date.UTC(2023, 2, 9, 7))],
      ['mar/e.jpg', new Date(Date.UTC(2023, 2, 20, 7))],
      ['mar/f.jpg', new Date(Date.UTC(2023, 2, 31, 23, 59))],
      ['mar/a.jpg', new Date(Date.UTC(2023, 2, 1, 0, 0))],
      ['apr/x.jpg', new Date(Date.UTC(2023, 3, 5))],
      ['apr/y.jpg', new Date(Date.UTC(2023, 3, 5, 1))],
      ['apr/w.jpg', new Date(Date.UTC(2023, 3, 28))],
    ];
    for (const [i, [name]] of times.entries()) tree[name] = await syntheticJpeg(120 + i);
    await writeTree(root, tree);
    for (const [name, when] of times) await utimes(path.join(root, name), when, when);
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    const listed = catalog.list().map((e) => e.path);
    // The whole timeline, in the order checked above.
    const whole = catalog.firstScreen(1000);
    expect(whole.months).toEqual([
      { month: '2023-04', count: 3 },
      { month: '2023-03', count: 7 },
      { month: '2008-05', count: 3 },
    ]);
    expect(whole.photos.slice(3, 10).map((p) => p.path)).toEqual([
      'mar/f.jpg',
      'mar/e.jpg',
      'mar/d.jpg',
      'mar/b.jpg',
      'mar/g.jpg',
      'mar/c.jpg',
      'mar/a.jpg',
    ]);
    for (let count = 0; count <= 8; count++)
      for (const tail of [0, 1, 2, 4, 8]) {
        const answer = catalog.monthStarts(count, Infinity, tail);
        expect(answer.total).toBe(13);
        expect(answer.months).toEqual(whole.months);
        let first = 0;
        const expected = whole.months.map(({ month, count: inMonth }) => {
          const end = first + inMonth;
          const start = {
            month,
            first,
            count: inMonth,
            photos: whole.photos.slice(first, first + Math.min(count, inMonth)),
            last: tail > 0 ? whole.photos.slice(end - Math.min(tail, inMonth), end) : [],
          };
          first = end;
          return start;
        });
        expect(answer.starts).toEqual(expected);
        for (const start of answer.starts)
          for (const photo of [...start.photos, ...start.last])
            expect(listed[photo.position]).toBe(photo.path);
      }
    // Photos directly in each folder, read from the paths alone.
    expect(Object.fromEntries(catalog.folderPhotos())).toEqual({ camera: 1, old: 2, mar: 7, apr: 3 });
    expect(catalog.monthStarts(2, 2).starts.map((s) => s.month)).toEqual(['2023-04', '2023-03']);
  });

  it('gives any page of the timeline, across months of any size and ties at their borders', async () => {
    const root = await tempDir('timeline-page');
    const cacheDir = await tempDir('timeline-page-cache');
    cleanup.push(root, cacheDir);
    // Canon_40D.jpg is dated 2008-05 by its EXIF (its mtime is today's), sharing that month with two
    // photos by mtime. Three photos share the last millisecond of March 2023 and two the first of
    // April, so ties by path fall at a month's border; January holds one photo.
    const tree: Record<string, Uint8Array | string> = {
      'camera/canon.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
      'notes.txt': 'not a photo',
    };
    const endOfMarch = new Date(Date.UTC(2023, 2, 31, 23, 59, 59, 999));
    const startOfApril = new Date(Date.UTC(2023, 3, 1));
    const times: [string, Date][] = [
      ['old/a.jpg', new Date(Date.UTC(2008, 4, 1, 8))],
      ['old/z.jpg', new Date(Date.UTC(2008, 4, 31, 20))],
      ['jan/only.jpg', new Date(Date.UTC(2023, 0, 15))],
      ['mar/c.jpg', endOfMarch],
      ['mar/a.jpg', endOfMarch],
      ['b/mar.jpg', endOfMarch],
      ['mar/d.jpg', new Date(Date.UTC(2023, 2, 9, 7))],
      ['mar/e.jpg', new Date(Date.UTC(2023, 2, 1))],
      ['apr/y.jpg', startOfApril],
      ['apr/x.jpg', startOfApril],
      ['apr/w.jpg', new Date(Date.UTC(2023, 3, 28))],
    ];
    for (const [i, [name]] of times.entries()) tree[name] = await syntheticJpeg(160 + i);
    await writeTree(root, tree);
    for (const [name, when] of times) await utimes(path.join(root, name), when, when);
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    const listed = catalog.list().map((e) => e.path);
    const order = [
      'apr/w.jpg',
      'apr/x.jpg',
      'apr/y.jpg',
      'b/mar.jpg',
      'mar/a.jpg',
      'mar/c.jpg',
      'mar/d.jpg',
      'mar/e.jpg',
      'jan/only.jpg',
      'old/z.jpg',
      'old/a.jpg',
    ];
    const whole = catalog.firstScreen(1000);
    expect(whole.months).toEqual([
      { month: '2023-04', count: 3 },
      { month: '2023-03', count: 5 },
      { month: '2023-01', count: 1 },
      { month: '2008-05', count: 3 },
    ]);
    // The Canon (an EXIF time of day in May 2008) is placed by its capture time among the mtimes.
    expect(whole.photos.map((p) => p.path).filter((p) => p !== 'camera/canon.jpg')).toEqual(order);
    expect(whole.photos.slice(0, 9).map((p) => p.path)).toEqual(order.slice(0, 9));
    for (let offset = 0; offset <= 13; offset++)
      for (const limit of [0, 1, 2, 3, 4, 6, 300]) {
        const page = catalog.timelinePage(offset, limit);
        expect(page.total).toBe(12);
        expect(page.photos).toEqual(whole.photos.slice(offset, offset + limit));
        for (const photo of page.photos) expect(listed[photo.position]).toBe(photo.path);
      }
    // The start, the middle and the end by name: a page across the March-April border, January's one
    // photo with March's last, and the oldest month's end.
    expect(catalog.timelinePage(2, 3).photos.map((p) => p.path)).toEqual([
      'apr/y.jpg',
      'b/mar.jpg',
      'mar/a.jpg',
    ]);
    expect(catalog.timelinePage(7, 2).photos.map((p) => p.path)).toEqual(['mar/e.jpg', 'jan/only.jpg']);
    expect(catalog.timelinePage(11, 5).photos.map((p) => p.path)).toEqual(['old/a.jpg']);
    expect(() => catalog.timelinePage(-1, 5)).toThrow(RangeError);
  });

  it('answers again from what it read until the catalog changes: a star, a scan', async () => {
    const root = await tempDir('first-screen-cached');
    const cacheDir = await tempDir('first-screen-cached-cache');
    cleanup.push(root, cacheDir);
    await writeTree(root, { 'a.jpg': await syntheticJpeg(140), 'b.jpg': await syntheticJpeg(141) });
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    const first = catalog.firstScreen(10);
    const starts = catalog.monthStarts(5);
    // Unchanged: the same answers, not read again.
    expect(catalog.firstScreen(10)).toBe(first);
    expect(catalog.monthStarts(5)).toBe(starts);
    expect(first.photos.map((p) => p.starred)).toEqual([false, false]);
    await catalog.star('b.jpg');
    const starred = catalog.firstScreen(10);
    expect(starred.photos.find((p) => p.path === 'b.jpg')?.starred).toBe(true);
    expect(catalog.monthStarts(5).starts[0]!.photos.find((p) => p.path === 'b.jpg')?.starred).toBe(true);
    await writeTree(root, { 'c.jpg': await syntheticJpeg(142) });
    await catalog.scan();
    expect(catalog.firstScreen(10).total).toBe(3);
    expect(
      catalog
        .firstScreen(10)
        .photos.map((p) => p.path)
        .sort(),
    ).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(catalog.monthStarts(5).total).toBe(3);
  });
});
