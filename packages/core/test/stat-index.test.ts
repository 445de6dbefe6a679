import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { PathTable, StatIndex } from '../src/catalog/stat-index.js';

/** Paths of many shapes: nested, flat, Unicode (astral too), near-misses of each other. */
function somePaths(count: number): string[] {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const folder = i % 3 === 0 ? `2024-${String(i % 12).padStart(2, '0')}` : `trips/été/${i % 7}`;
    paths.push(`${folder}/IMG_${String(i).padStart(5, '0')}${i % 5 === 0 ? ' 🙂' : ''}.jpg`);
  }
  paths.push('top.jpg', 'a', 'a/b', 'a/b/', '日本語/写真.jpg');
  return paths;
}

describe('PathTable', () => {
  test('answers as a Map of the paths would, open-addressed or given way to a Map', () => {
    const paths = somePaths(5000);
    // A path listed twice keeps its last row, as Map.set leaves it.
    paths.push(paths[10]!, paths[4321]!);
    const expected = new Map<string, number>();
    for (const [row, path] of paths.entries()) expected.set(path, row);
    for (const table of [PathTable.of(paths), PathTable.of(paths, 0)]) {
      for (const [path, row] of expected) expect(table.rowOf(path)).toBe(row);
      for (const absent of ['', 'top.jp', 'top.jpg/', '2024-00', 'a/b//', paths[7]!.normalize('NFD') + 'x'])
        expect(table.rowOf(absent)).toBeUndefined();
      const listed = [...table.pathsUnmarked(new Uint8Array(paths.length))];
      expect(listed.sort()).toEqual([...expected.keys()].sort());
      // Unmarked: every path but those whose (last) row is marked.
      const marks = new Uint8Array(paths.length);
      for (let row = 0; row < paths.length; row += 3) marks[row] = 1;
      expect([...table.pathsUnmarked(marks)].sort()).toEqual(
        [...expected]
          .filter(([, row]) => marks[row] === 0)
          .map(([path]) => path)
          .sort(),
      );
    }
    // Forced to give way, the table is a Map; otherwise it is not.
    expect(PathTable.of(paths, 0).constructor.name).toBe('MapTable');
    expect(PathTable.of(paths).constructor.name).toBe('OpenTable');
  });

  test('an empty catalog has an empty table', () => {
    const table = PathTable.of([]);
    expect(table.rowOf('a.jpg')).toBeUndefined();
    expect([...table.pathsUnmarked(new Uint8Array(0))]).toEqual([]);
  });
});

describe('StatIndex', () => {
  test("gives each row's stat fields and unusual state by path, and lists the paths never seen", () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE entries (path TEXT PRIMARY KEY, fast_photo_key TEXT NOT NULL, size INTEGER NOT NULL,
      mtime_ms INTEGER NOT NULL, etag TEXT, kind TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
      failure_code TEXT) WITHOUT ROWID`);
    const insert = db.prepare('INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const paths = somePaths(12_000);
    for (const [i, path] of paths.entries())
      insert.run(
        path,
        `key${i}`,
        i * 3,
        1_700_000_000_000 + i,
        i % 2 ? `"e${i}"` : null,
        'jpeg',
        'ok',
        null,
        null,
      );
    insert.run('broken.jpg', '', 5, 1, null, 'jpeg', 'failed', 'cannot read', 'IO');
    insert.run('text.png', 'k', 9, 2, null, 'other', 'ok', null, null);
    const index = new StatIndex(db);
    for (const [i, path] of paths.entries()) {
      if (i % 4 === 0) continue;
      expect(index.see(path)).toEqual({
        size: i * 3,
        mtime_ms: 1_700_000_000_000 + i,
        etag: i % 2 ? `"e${i}"` : null,
        keyed: true,
        status: 'ok',
        reason: null,
        failure_code: null,
      });
    }
    expect(index.see('broken.jpg')).toEqual({
      size: 5,
      mtime_ms: 1,
      etag: null,
      keyed: false,
      status: 'failed',
      reason: 'cannot read',
      failure_code: 'IO',
    });
    // Named as an image but recorded as `other` by an older catalog: unkeyed, so it is read again.
    expect(index.see('text.png')).toMatchObject({ keyed: false, status: 'ok' });
    expect(index.see('not/there.jpg')).toBeUndefined();
    expect([...index.unseenPaths()].sort()).toEqual(paths.filter((_, i) => i % 4 === 0).sort());
  });

  test('a path holding a NUL (a damaged snapshot) is read as the others, not shifting their columns', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE entries (path TEXT PRIMARY KEY, fast_photo_key TEXT NOT NULL, size INTEGER NOT NULL,
      mtime_ms INTEGER NOT NULL, etag TEXT, kind TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
      failure_code TEXT) WITHOUT ROWID`);
    const insert = db.prepare(`INSERT INTO entries VALUES (?, 'k', ?, ?, NULL, 'jpeg', 'ok', NULL, NULL)`);
    for (const [i, path] of ['a.jpg', 'b\0c.jpg', 'd/e.jpg', 'f.jpg'].entries())
      insert.run(path, i + 10, i + 100);
    const index = new StatIndex(db);
    expect(index.see('d/e.jpg')).toMatchObject({ size: 12, mtime_ms: 102 });
    expect(index.see('f.jpg')).toMatchObject({ size: 13, mtime_ms: 103 });
    expect(index.see('b')).toBeUndefined();
    expect([...index.unseenPaths()].sort()).toEqual(['a.jpg', 'b\0c.jpg']);
    expect(
      new StatIndex(
        new Database(':memory:').exec(
          `CREATE TABLE entries (path TEXT PRIMARY KEY, fast_photo_key TEXT, size INTEGER, mtime_ms INTEGER, etag TEXT,
        kind TEXT, status TEXT, reason TEXT, failure_code TEXT)`,
        ),
      ).see('a.jpg'),
    ).toBeUndefined();
  });
});
