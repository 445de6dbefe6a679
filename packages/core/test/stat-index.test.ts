import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { StatIndex } from '../src/catalog/stat-index.js';

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
    db.pragma('cache_size = -3000');
    const index = new StatIndex(db);
    // Read with a small page cache for the once-over read, then given its own back.
    expect(db.pragma('cache_size', { simple: true })).toBe(-3000);
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

  test('for a source without etags the rows are read without theirs, every other field the same', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE entries (path TEXT PRIMARY KEY, fast_photo_key TEXT NOT NULL, size INTEGER NOT NULL,
      mtime_ms INTEGER NOT NULL, etag TEXT, kind TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
      failure_code TEXT) WITHOUT ROWID`);
    const insert = db.prepare(`INSERT INTO entries VALUES (?, 'k', ?, ?, ?, 'jpeg', 'ok', NULL, NULL)`);
    for (const [i, path] of ['a.jpg', 'b/c.jpg', 'd.jpg'].entries())
      insert.run(path, i + 1, i + 100, `"t${i}"`);
    const withTags = new StatIndex(db);
    const without = new StatIndex(db, { etags: false });
    expect(withTags.see('b/c.jpg')).toMatchObject({ size: 2, mtime_ms: 101, etag: '"t1"' });
    expect(without.see('b/c.jpg')).toEqual({ ...withTags.see('b/c.jpg'), etag: null });
    expect([...without.unseenPaths()]).toEqual(['a.jpg', 'd.jpg']);
  });

  test('a path listed twice (a snapshot without its key) keeps its last row and is listed once', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE entries (path TEXT, fast_photo_key TEXT, size INTEGER, mtime_ms INTEGER, etag TEXT,
      kind TEXT, status TEXT, reason TEXT, failure_code TEXT)`);
    const insert = db.prepare(`INSERT INTO entries VALUES (?, 'k', ?, 1, NULL, 'jpeg', 'ok', NULL, NULL)`);
    for (const [i, path] of ['a.jpg', 'b.jpg', 'a.jpg', 'c.jpg', 'b.jpg'].entries()) insert.run(path, i);
    const index = new StatIndex(db);
    expect(index.see('a.jpg')).toMatchObject({ size: 2 });
    expect([...index.unseenPaths()].sort()).toEqual(['b.jpg', 'c.jpg']);
    expect(index.see('b.jpg')).toMatchObject({ size: 4 });
    expect([...index.unseenPaths()]).toEqual(['c.jpg']);
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

  /** A table of `paths`, each row's size its place in `paths`. */
  function tableOf(paths: readonly string[]): Database.Database {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE entries (path TEXT PRIMARY KEY, fast_photo_key TEXT NOT NULL, size INTEGER NOT NULL,
      mtime_ms INTEGER NOT NULL, etag TEXT, kind TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
      failure_code TEXT) WITHOUT ROWID`);
    const insert = db.prepare(`INSERT INTO entries VALUES (?, 'k', ?, 7, NULL, 'jpeg', 'ok', NULL, NULL)`);
    for (const [i, path] of paths.entries()) insert.run(path, i);
    return db;
  }

  test('finds rows asked for as a walk asks: folders in any order, files in order, new files between', () => {
    const folders = ['2024-01-01', '2024-01-02', '2024-01-02/sub', 'b', 'b-c', 'b.d', 'b/c'];
    const paths: string[] = [];
    for (const folder of folders)
      for (let i = 0; i < 40; i++) paths.push(`${folder}/IMG_${i}.JPG`, `${folder}/IMG_${i}.xmp.jpg`);
    paths.push('top.jpg', 'zz');
    const index = new StatIndex(tableOf(paths));
    const sizeOf = new Map(paths.map((path, i) => [path, i]));
    const unseen = new Set(paths);
    // Folders last first, as the local walk hands them over; a folder's files sorted as its listing
    // sorts them (by code unit), with files the catalog lacks among them, and some asked twice.
    for (const folder of [...folders].reverse()) {
      const names = [
        ...paths.filter((p) => p.startsWith(`${folder}/`) && !p.slice(folder.length + 1).includes('/')),
      ]
        .map((p) => p.slice(folder.length + 1))
        .concat(['IMG_3.JPG.new', 'A.JPG', 'zzz.JPG'])
        .sort();
      for (const [n, name] of names.entries()) {
        if (n % 9 === 4) continue;
        const path = `${folder}/${name}`;
        const expected = sizeOf.get(path);
        expect(index.see(path)?.size).toBe(expected);
        if (n % 11 === 0) expect(index.see(path)?.size).toBe(expected);
        unseen.delete(path);
      }
    }
    expect(index.see('zz')).toMatchObject({ size: paths.length - 1, mtime_ms: 7 });
    expect(index.see('z')).toBeUndefined();
    unseen.delete('zz');
    expect([...index.unseenPaths()].sort()).toEqual([...unseen].sort());
  });

  test('finds every row when SQLite orders the paths otherwise than JavaScript, or they are asked for in no order', () => {
    // U+FF5E is before U+1F642 in UTF-8 (SQLite's order), after it in UTF-16 (JavaScript's).
    const astral = ['a/\uFF5E.jpg', 'a/\u{1F642}.jpg', 'a/b.jpg', 'c.jpg'];
    const index = new StatIndex(tableOf(astral));
    for (const path of [...astral].reverse()) expect(index.see(path)?.size).toBe(astral.indexOf(path));
    expect(index.see('a/c.jpg')).toBeUndefined();
    expect([...index.unseenPaths()]).toEqual([]);

    const many = Array.from({ length: 5000 }, (_, i) => `f${i % 50}/IMG_${i}.JPG`);
    const shuffled = new StatIndex(tableOf(many));
    for (let i = 0; i < many.length; i += 2) {
      const at = (i * 7919) % many.length;
      expect(shuffled.see(many[at]!)?.size).toBe(at);
      expect(shuffled.see(`${many[at]}.not`)).toBeUndefined();
    }
    const seen = new Set(
      Array.from({ length: many.length / 2 }, (_, k) => many[(2 * k * 7919) % many.length]),
    );
    expect([...shuffled.unseenPaths()].sort()).toEqual(many.filter((p) => !seen.has(p)).sort());
  });
});
