import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import {
  readListing,
  selectEntryArrays,
  selectEntryColumns,
  writeListing,
} from '../src/catalog/bulk-read.js';
import {
  type CatalogEntry,
  ENTRY_COLUMN_LIST,
  entryFromArray,
  entryFromColumns,
} from '../src/catalog/entry-row.js';
import { createSchema } from '../src/catalog/schema.js';

/** 12,345 entries: more than two chunks of 5,000, so every chunk boundary is crossed. */
function catalogDb(): { db: Database.Database; paths: string[] } {
  const db = new Database(':memory:');
  createSchema(db, 'file:///bulk', 0);
  const insert = db.prepare(
    `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, kind, starred, status)
     VALUES (?, ?, ?, ?, 'jpeg', ?, 'ok')`,
  );
  const paths: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < 12_345; i++) {
      const path = `d${i % 7}/p${i}.jpg`;
      paths.push(path);
      insert.run(path, `${'0'.repeat(32)}:${i}`, i, 1_700_000_000_000 + i, i % 3 === 0 ? 1 : 0);
    }
  })();
  return { db, paths: paths.sort() };
}

const none = { sql: [], params: [] };

describe('bulk reads of the entries table', () => {
  test('every row comes back once, in path order, with its columns', () => {
    const { db, paths } = catalogDb();
    const rows = [...selectEntryArrays(db, ['path', 'size', 'starred'], none)].flat();
    expect(rows.map((row) => row[0])).toEqual(paths);
    for (const [path, size] of rows) expect(`p${size}.jpg`).toBe((path as string).split('/')[1]);
  });

  test('paging with `after` and `limit` across chunk boundaries, and with a filter', () => {
    const { db, paths } = catalogDb();
    const page = (after: string | undefined, limit: number) =>
      [...selectEntryArrays(db, ['path'], none, { ...(after ? { after } : {}), limit })]
        .flat()
        .map((r) => r[0]);
    expect(page(undefined, 5_001)).toEqual(paths.slice(0, 5_001));
    expect(page(paths[4_999], 5_000)).toEqual(paths.slice(5_000, 10_000));
    expect(page(paths[9_999], 5_000)).toEqual(paths.slice(10_000));
    expect(page(paths.at(-1), 10)).toEqual([]);
    const starred = [
      ...selectEntryArrays(db, ['path', 'starred'], { sql: ['starred = ?'], params: [1] }),
    ].flat();
    expect(starred.length).toBe(4_115);
    expect(starred.every((row) => row[1] === 1)).toBe(true);
    expect(starred.map((row) => row[0])).toEqual([...starred.map((row) => row[0])].sort());
  });

  test('columns of every row, one array per column', () => {
    const { db, paths } = catalogDb();
    const chunks = [...selectEntryColumns(db, ['path', 'size'])];
    expect(chunks.length).toBe(3);
    const all = chunks.flatMap(([path, size]) => path!.map((p, i) => [p, size![i]]));
    expect(all.map(([p]) => p).sort()).toEqual(paths);
    for (const [path, size] of all) expect(`p${size}.jpg`).toBe((path as string).split('/')[1]);
  });

  describe('the stored listing', () => {
    const listed = (db: Database.Database) => readListing(db, ENTRY_COLUMN_LIST, entryFromColumns);
    const fromRows = (db: Database.Database) =>
      [...selectEntryArrays(db, ENTRY_COLUMN_LIST, none)].flat().map(entryFromArray);
    const withListing = () => {
      const made = catalogDb();
      writeListing(made.db, ENTRY_COLUMN_LIST);
      return made;
    };

    test('holds every entry, in path order, equal to the rows it was written from', () => {
      const { db, paths } = withListing();
      // Chunks of 500 rows: 24 full ones and the rest.
      expect(db.prepare('SELECT chunk, rows FROM listing ORDER BY chunk').raw(true).all()).toEqual([
        ...Array.from({ length: 24 }, (_, i) => [i, 500]),
        [24, 345],
      ]);
      const entries = listed(db)!;
      expect(entries.map((e) => e.path)).toEqual(paths);
      expect(entries).toEqual(fromRows(db));
      expect(entries.filter((e) => e.starred).length).toBe(4_115);
    });

    test('is written again from scratch, so it follows the rows', () => {
      const { db } = withListing();
      db.prepare('DELETE FROM entries WHERE path > ?').run('d3');
      db.prepare(
        `UPDATE entries SET starred = 1, status = 'failed', reason = 'bad' WHERE path = 'd0/p0.jpg'`,
      ).run();
      writeListing(db, ENTRY_COLUMN_LIST);
      const entries = listed(db)!;
      expect(entries).toEqual(fromRows(db));
      expect(entries[0]).toMatchObject({ path: 'd0/p0.jpg', starred: true, status: 'failed', reason: 'bad' });
    });

    test('is not used when absent, or when it does not describe the entries', () => {
      const tampered = (sql: string, ...params: unknown[]) => {
        const { db } = withListing();
        db.prepare(sql).run(...params);
        return listed(db);
      };
      // Each case is a listing a damaged or hostile snapshot could carry.
      expect(tampered('DROP TABLE listing')).toBeUndefined();
      expect(tampered('DELETE FROM listing WHERE chunk = 2')).toBeUndefined();
      expect(tampered(`DELETE FROM entries WHERE path = 'd0/p0.jpg'`)).toBeUndefined();
      expect(tampered('UPDATE listing SET rows = rows + 1 WHERE chunk = 1')).toBeUndefined();
      expect(tampered(`UPDATE listing SET json = substr(json, 2) WHERE chunk = 0`)).toBeUndefined();
      expect(tampered(`UPDATE listing SET json = '{}' WHERE chunk = 0`)).toBeUndefined();
      expect(
        tampered(`UPDATE listing SET json = json_remove(json, '$[13]') WHERE chunk = 0`),
      ).toBeUndefined();
      expect(
        tampered(`UPDATE listing SET json = json_set(json, '$[0][7]', 5) WHERE chunk = 0`),
      ).toBeUndefined();
      // Chunks in reverse order: each is valid on its own, but paths no longer ascend.
      expect(tampered('UPDATE listing SET chunk = -chunk')).toBeUndefined();
      // A path repeated in place of the next one.
      expect(
        tampered(
          `UPDATE listing SET json = json_set(json, '$[0][1]', json_extract(json, '$[0][0]')) WHERE chunk = 0`,
        ),
      ).toBeUndefined();
      // The untampered listing passes the same checks.
      expect(tampered('UPDATE listing SET rows = rows')?.length).toBe(12_345);
    });

    test('gives the entries the rows give, odd values and all, across chunks of every size', () => {
      const db = new Database(':memory:');
      createSchema(db, 'file:///odd', 0);
      const insert = db.prepare(
        `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, etag, external_id, photo_md5, kind,
           taken_at, width, height, starred, status, reason, group_id, role, rating, keywords)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      db.transaction(() => {
        for (let i = 0; i < 1_234; i++) {
          const odd = i % 11;
          insert.run(
            // Text that is not ASCII, quotes and backslashes, and now and then a path of 20 KB, so
            // that some chunks are far larger than others.
            `${i % 5}/${odd === 3 ? 'x'.repeat(20_000) : ''}é"\\${i}.jpg`,
            `${'a'.repeat(32)}:${i}`,
            odd === 1 ? 1.5 : odd === 2 ? 2 ** 60 : i,
            1_700_000_000_000 + i,
            odd === 4 ? 'etag' : null,
            odd === 5 ? 'EXTERNAL' : null,
            odd === 6 ? null : 'b'.repeat(32),
            odd === 7 ? 'video' : 'jpeg',
            odd === 8 ? '2024-01-01T00:00:00' : null,
            odd === 9 ? null : 4032,
            odd === 9 ? null : 3024,
            i % 2,
            odd === 10 ? 'failed' : 'ok',
            odd === 10 ? 'bad \u2028 file' : odd === 0 ? 'racy' : null,
            odd === 4 || odd === 5 ? `${i % 5}/primary.jpg` : null,
            odd === 4 ? 'motion' : odd === 5 ? 'nonsense' : null,
            odd === 6 ? 9 : odd === 7 ? 4 : odd === 8 ? 2.5 : null,
            odd === 7 ? 'beach\nsun\u{1F600}' : odd === 8 ? '' : null,
          );
        }
      })();
      writeListing(db, ENTRY_COLUMN_LIST);
      const chunks = db.prepare('SELECT rows FROM listing ORDER BY chunk').pluck().all();
      expect(chunks).toEqual([500, 500, 234]);
      const entries = listed(db)!;
      expect(entries.length).toBe(1_234);
      expect(entries).toStrictEqual(fromRows(db));
      // Each mapping was exercised: a kept group, a rating and keywords, and a REAL size.
      expect(entries.filter((e) => e.group !== undefined).every((e) => e.role === 'motion')).toBe(true);
      expect(entries.some((e) => e.keywords?.join(',') === 'beach,sun\u{1F600}')).toBe(true);
      expect(entries.some((e) => e.size === 1.5)).toBe(true);
      // What a row lacks (or holds in no valid form, like the group with a nonsense role), its entry
      // lacks too: left out, not set to undefined, read from the listing and from the rows alike.
      const extras = (entry: object) =>
        Object.keys(entry).filter((key) => ['group', 'role', 'rating', 'keywords'].includes(key));
      const row = (from: CatalogEntry[], i: number) => from.find((e) => e.path.endsWith(`\\${i}.jpg`))!;
      for (const from of [entries, fromRows(db)]) {
        expect(extras(row(from, 0))).toEqual([]);
        expect(extras(row(from, 5))).toEqual([]);
        expect(extras(row(from, 6))).toEqual([]);
        expect(extras(row(from, 8))).toEqual([]);
        expect(extras(row(from, 4))).toEqual(['group', 'role']);
        expect(extras(row(from, 7))).toEqual(['rating', 'keywords']);
      }
    });
  });
});
