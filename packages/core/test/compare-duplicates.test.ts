import { describe, expect, test } from 'vitest';
import type { PhotoColumns } from '../src/compare/catalog-reads.js';
import { compareCatalogs, type PhotoCopy } from '../src/compare/compare.js';
import { findDuplicates } from '../src/compare/duplicates.js';
import { KeyNumbers } from '../src/key-numbers.js';

const md5 = (n: number) => n.toString(16).padStart(32, '0');

/** A catalog as comparing sees it: rows of [path, photo-md5, size], sorted here by path. */
function catalog(rootUri: string, rows: [string, string, number][]) {
  const sorted = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const columns: PhotoColumns = {
    paths: sorted.map((r) => r[0]),
    photoMd5s: sorted.map((r) => r[1]),
    sizes: sorted.map((r) => r[2]),
    unchecked: { count: 0, bytes: 0, paths: [] },
    unlisted: [],
  };
  return { rootUri, photoColumns: () => columns };
}

type Catalog = ReturnType<typeof catalog>;

/** The plain definition the indexed versions must match: every copy of each photo-md5 in a list. */
function copiesByMd5(catalogs: Catalog[]): Map<string, PhotoCopy[]> {
  const copies = new Map<string, PhotoCopy[]>();
  for (const c of catalogs) {
    const { paths, photoMd5s } = c.photoColumns();
    photoMd5s.forEach((m, i) => {
      copies.set(m, [...(copies.get(m) ?? []), { root: c.rootUri, path: paths[i]! }]);
    });
  }
  return copies;
}

function expectedCompare(source: Catalog, destinations: Catalog[]) {
  const copies = copiesByMd5(destinations);
  const { paths, photoMd5s, sizes } = source.photoColumns();
  const photos = paths.map((path, i) => ({
    path,
    photoMd5: photoMd5s[i]!,
    size: sizes[i]!,
    copies: copies.get(photoMd5s[i]!) ?? [],
  }));
  const tally = (present: boolean) => {
    const chosen = photos.filter((p) => p.copies.length > 0 === present);
    return { count: chosen.length, bytes: chosen.reduce((s, p) => s + p.size, 0) };
  };
  return {
    source: source.rootUri,
    destinations: destinations.map((d) => d.rootUri),
    present: tally(true),
    missing: tally(false),
    unchecked: source.photoColumns().unchecked,
    unlisted: source.photoColumns().unlisted,
    photos,
  };
}

const byCodeUnits = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

function expectedDuplicates(catalogs: Catalog[], minSize: number, within: boolean) {
  // A photo-md5's size is its last copy's, over all the catalogs.
  const sizes = new Map<string, number>();
  for (const c of catalogs) {
    const { photoMd5s, sizes: own } = c.photoColumns();
    for (let i = 0; i < photoMd5s.length; i++) sizes.set(photoMd5s[i]!, own[i]!);
  }
  const sets = within ? catalogs.map((c) => [c]) : [catalogs];
  const groups = sets.flatMap((set) =>
    [...copiesByMd5(set)]
      .filter(([m, copies]) => copies.length > 1 && sizes.get(m)! >= minSize)
      .map(([photoMd5, copies]) => ({
        photoMd5,
        size: sizes.get(photoMd5)!,
        copies,
        roots: [...new Set(copies.map((c) => c.root))],
        reclaimableBytes: sizes.get(photoMd5)! * (copies.length - 1),
      })),
  );
  groups.sort(
    (a, b) =>
      b.reclaimableBytes - a.reclaimableBytes ||
      byCodeUnits(a.photoMd5, b.photoMd5) ||
      byCodeUnits(a.roots[0]!, b.roots[0]!),
  );
  return {
    roots: catalogs.map((c) => c.rootUri),
    groups,
    reclaimableBytes: groups.reduce((s, g) => s + g.reclaimableBytes, 0),
  };
}

/** Catalogs drawn from a small pool of photos, so copies meet within and across them. */
function randomCatalogs(seed: number): Catalog[] {
  let state = seed;
  const next = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  return Array.from({ length: 1 + next(4) }, (_, k) => {
    const rows: [string, string, number][] = [];
    const count = next(60);
    for (let i = 0; i < count; i++) {
      const photo = next(40);
      // Now and then a photo-md5 with another size, as only a damaged or forged snapshot has.
      const size = next(10) === 0 ? 1 + next(500) : 100 + photo * 7;
      rows.push([`d${next(3)}/p${i}.jpg`, md5(photo), size]);
    }
    return catalog(`file:///root-${k}`, rows);
  });
}

describe('compareCatalogs', () => {
  test('each photo of the source with its copies in the destinations, in path order', () => {
    const laptop = catalog('file:///laptop', [
      ['b.jpg', md5(2), 20],
      ['a.jpg', md5(1), 10],
      ['c.jpg', md5(3), 30],
    ]);
    const backup = catalog('s3://bucket/backup', [
      ['x/a.jpg', md5(1), 10],
      ['y/a.jpg', md5(1), 10],
    ]);
    const card = catalog('file:///card', [['DCIM/c.jpg', md5(3), 30]]);
    const result = compareCatalogs(laptop, [backup, card]);
    expect(result.present).toEqual({ count: 2, bytes: 40 });
    expect(result.missing).toEqual({ count: 1, bytes: 20 });
    expect(result.photos).toEqual([
      {
        path: 'a.jpg',
        photoMd5: md5(1),
        size: 10,
        copies: [
          { root: 's3://bucket/backup', path: 'x/a.jpg' },
          { root: 's3://bucket/backup', path: 'y/a.jpg' },
        ],
      },
      { path: 'b.jpg', photoMd5: md5(2), size: 20, copies: [] },
      { path: 'c.jpg', photoMd5: md5(3), size: 30, copies: [{ root: 'file:///card', path: 'DCIM/c.jpg' }] },
    ]);
  });

  test('matches the plain definition on random catalogs', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const [source, ...destinations] = randomCatalogs(seed);
      expect(compareCatalogs(source!, destinations), `seed ${seed}`).toEqual(
        expectedCompare(source!, destinations),
      );
    }
  });
});

describe('findDuplicates', () => {
  test('groups within and across roots, largest cleanup first', () => {
    const a = catalog('file:///a', [
      ['1.jpg', md5(1), 100],
      ['2.jpg', md5(1), 100],
      ['3.jpg', md5(2), 500],
      ['4.jpg', md5(3), 50],
    ]);
    const b = catalog('file:///b', [
      ['z.jpg', md5(2), 500],
      ['y.jpg', md5(1), 100],
    ]);
    const report = findDuplicates([a, b]);
    expect(report.groups.map((g) => [g.photoMd5, g.reclaimableBytes, g.roots, g.copies])).toEqual([
      [
        md5(2),
        500,
        ['file:///a', 'file:///b'],
        [
          { root: 'file:///a', path: '3.jpg' },
          { root: 'file:///b', path: 'z.jpg' },
        ],
      ],
      [
        md5(1),
        200,
        ['file:///a', 'file:///b'],
        [
          { root: 'file:///a', path: '1.jpg' },
          { root: 'file:///a', path: '2.jpg' },
          { root: 'file:///b', path: 'y.jpg' },
        ],
      ],
    ]);
    expect(report.reclaimableBytes).toBe(700);
    const within = findDuplicates([a, b], { within: true });
    expect(within.groups.map((g) => [g.photoMd5, g.roots, g.copies.length])).toEqual([
      [md5(1), ['file:///a'], 2],
    ]);
    expect(findDuplicates([a, b], { minSize: 200 }).groups.map((g) => g.photoMd5)).toEqual([md5(2)]);
  });

  test('matches the plain definition on random catalogs, with and without --within and --min-size', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const catalogs = randomCatalogs(seed);
      for (const within of [false, true])
        for (const minSize of [0, 250])
          expect(findDuplicates(catalogs, { within, minSize }), `seed ${seed}`).toEqual(
            expectedDuplicates(catalogs, minSize, within),
          );
    }
  });

  test('matches the plain definition over more catalogs than fit in a bit set, some with one root URI', () => {
    for (let seed = 1; seed <= 20; seed++) {
      // 34 catalogs: past the 30 whose root sets are shared, and every fifth named like another.
      const catalogs = Array.from({ length: 34 }, (_, k) => {
        const { paths, photoMd5s, sizes } = randomCatalogs(seed * 100 + k)[0]!.photoColumns();
        return catalog(
          k % 5 === 4 ? `file:///root-${k - 1}` : `file:///root-${k}`,
          paths.map((path, i) => [path, photoMd5s[i]!, sizes[i]!]),
        );
      });
      for (const set of [catalogs, catalogs.slice(0, 12)])
        for (const within of [false, true])
          expect(findDuplicates(set, { within }), `seed ${seed}`).toEqual(expectedDuplicates(set, 0, within));
    }
  });
});

describe('KeyNumbers', () => {
  test('numbers keys in the order first met, as a Map would, through collisions and a full table', () => {
    // Keys alike but for their last characters, and some met again: every probe chain is exercised.
    const keys = Array.from({ length: 5_000 }, (_, i) => `${'0'.repeat(28)}${(i * 7919) % 3_001}`.slice(-32));
    const table = new KeyNumbers(keys.length);
    const expected = new Map<string, number>();
    for (const key of keys) {
      if (!expected.has(key)) expected.set(key, expected.size);
      expect(table.add(key)).toBe(expected.get(key));
    }
    expect(table.size).toBe(expected.size);
    for (const [key, number] of expected) expect(table.find(key)).toBe(number);
    expect(table.find('f'.repeat(32))).toBe(-1);
    expect(table.find('')).toBe(-1);
    const full = new KeyNumbers(2);
    expect([full.add('a'), full.add('b'), full.add('a')]).toEqual([0, 1, 0]);
    expect(() => full.add('c')).toThrow(RangeError);
  });
});
