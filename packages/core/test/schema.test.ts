import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { createSchema, SCHEMA_VERSION, upgradeSchema, validateSchema } from '../src/catalog/schema.js';
import { serializeSnapshot } from '../src/catalog/snapshot-serialize.js';
import { storedDocument, storedDocumentText } from '../src/catalog/stored-document.js';
import { openWorkingFile } from '../src/catalog/working-database.js';
import { documentWithoutExif } from './documents.js';

/** A fresh catalog database, changed by `sql` the way an older release or a hostile file might be. */
function catalogDb(sql = ''): Database.Database {
  const db = new Database(':memory:');
  createSchema(db, 'file:///schema', 0);
  db.exec(sql);
  return db;
}

/** The columns version 3 added, dropped: what an older release wrote (the rest of the schema is the same). */
const withoutVersion3Columns = `DROP TABLE unlisted; DROP INDEX entries_with_sidecar; ${[
  'group_id',
  'role',
  'rating',
  'keywords',
  'sidecar',
  'failure_code',
]
  .map((c) => `ALTER TABLE entries DROP COLUMN ${c};`)
  .join(' ')}`;
/** Version 6's schema: no table of what scans could not catalog. */
const asVersion6 = `DROP TABLE unlisted; UPDATE version SET value = '6' WHERE key = 'schema_version'`;
/** Version 5's schema: the external-id index over every row (what release 5 wrote; documents aside). */
const asVersion5 = `DROP TABLE unlisted; DROP INDEX entries_by_external_id; CREATE INDEX entries_by_external_id ON entries(external_id); UPDATE version SET value = '5' WHERE key = 'schema_version'`;
const asVersion4 = `DROP TABLE unlisted; ALTER TABLE entries DROP COLUMN failure_code; UPDATE version SET value = '4' WHERE key = 'schema_version'`;
const asVersion3 = `DROP TABLE unlisted; DROP INDEX entries_with_sidecar; ALTER TABLE entries DROP COLUMN sidecar; ALTER TABLE entries DROP COLUMN failure_code; UPDATE version SET value = '3' WHERE key = 'schema_version'`;
const asVersion2 = `${withoutVersion3Columns} UPDATE version SET value = '2' WHERE key = 'schema_version'`;
const asVersion1 = `${withoutVersion3Columns} DROP TABLE listing; UPDATE version SET value = '1' WHERE key = 'schema_version'`;

/** The `entries` table exactly as release 2 created it, for a version 2 snapshot byte for byte. */
const RELEASE_2_ENTRIES = `CREATE TABLE entries (
    path TEXT PRIMARY KEY,
    fast_photo_key TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    etag TEXT,
    external_id TEXT,
    photo_md5 TEXT,
    kind TEXT NOT NULL,
    taken_at TEXT,
    width INTEGER,
    height INTEGER,
    starred INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    reason TEXT
  ) WITHOUT ROWID`;
const validation = (db: Database.Database) => {
  try {
    validateSchema(db);
    return 'valid';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('snapshot schema versions', () => {
  test('the current version and versions 1 to 7 are accepted, each with exactly its own tables', () => {
    expect(SCHEMA_VERSION).toBe(8);
    // Version 7 has the tables of 8: only its dates may be of an older form (see datesInForm).
    expect(validation(catalogDb(`UPDATE version SET value = '7' WHERE key = 'schema_version'`))).toBe(
      'valid',
    );
    expect(validation(catalogDb(asVersion6))).toBe('valid');
    expect(validation(catalogDb(`UPDATE version SET value = '6' WHERE key = 'schema_version'`))).toMatch(
      /unexpected table "unlisted"/,
    );
    expect(validation(catalogDb(asVersion5))).toBe('valid');
    expect(validation(catalogDb(asVersion4))).toBe('valid');
    expect(validation(catalogDb(asVersion3))).toBe('valid');
    expect(validation(catalogDb('ALTER TABLE entries DROP COLUMN failure_code'))).toMatch(
      /no column failure_code/,
    );
    expect(validation(catalogDb(`${asVersion3}; ALTER TABLE entries DROP COLUMN rating`))).toMatch(
      /no column rating/,
    );
    expect(validation(catalogDb())).toBe('valid');
    expect(validation(catalogDb(asVersion1))).toBe('valid');
    expect(validation(catalogDb(asVersion2))).toBe('valid');
    // Every read selects the version 3 columns: a version 3 file without them is refused.
    expect(validation(catalogDb('ALTER TABLE entries DROP COLUMN role'))).toMatch(/no column role/);
    expect(validation(catalogDb('DROP TABLE listing'))).toMatch(/tables are missing/);
    expect(validation(catalogDb(`UPDATE version SET value = '1' WHERE key = 'schema_version'`))).toMatch(
      /unexpected table "listing"/,
    );
    // What a newer release wrote is refused: the pointer's next line is tried, then the mirror, then a rebuild.
    expect(validation(catalogDb(`UPDATE version SET value = '9' WHERE key = 'schema_version'`))).toMatch(
      /schema version 9, expected 1 to 8/,
    );
    expect(validation(catalogDb('DROP TABLE version'))).toMatch(/tables are missing/);
    expect(validation(catalogDb('CREATE VIEW listing_view AS SELECT 1'))).toMatch(/unexpected view/);
  });

  test('a version 1 database is upgraded in place, and an upgraded one is left alone', () => {
    const db = catalogDb(asVersion1);
    upgradeSchema(db);
    expect(validation(db)).toBe('valid');
    expect(db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get()).toBe('8');
    expect(db.prepare('SELECT count(*) FROM listing').pluck().get()).toBe(0);
    upgradeSchema(db);
    expect(validation(db)).toBe('valid');
  });

  test('a version 2 catalog gets its groups, ratings and keywords, and the schema a new catalog has', () => {
    const old = new Database(':memory:');
    createSchema(old, 'file:///schema', 0);
    old.exec(`DROP TABLE unlisted; DROP TABLE entries; ${RELEASE_2_ENTRIES};
      CREATE INDEX entries_by_fast_photo_key ON entries(fast_photo_key);
      CREATE INDEX entries_by_photo_md5 ON entries(photo_md5);
      CREATE INDEX entries_by_external_id ON entries(external_id);
      UPDATE version SET value = '2' WHERE key = 'schema_version';
      INSERT INTO listing (chunk, rows, json) VALUES (0, 1, '[]')`);
    const insert = old.prepare(
      `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, photo_md5, kind, status) VALUES (?, 'k', 1, 1, ?, ?, 'ok')`,
    );
    const md5 = (n: number) => String(n).padStart(32, '0');
    insert.run('a/IMG_1.HEIC', md5(1), 'heic');
    insert.run('a/IMG_1.MOV', md5(2), 'video');
    insert.run('a/IMG_2.JPG', md5(3), 'jpeg');
    insert.run('b/IMG_1.MOV', md5(4), 'video');
    const document = old.prepare('INSERT INTO metadata (photo_md5, document) VALUES (?, ?)');
    document.run(md5(1), JSON.stringify({ rating: 4, keywords: ['sea', 'Lisbon'] }));
    document.run(md5(3), JSON.stringify({ rating: 2.5, keywords: 'not a list' }));
    document.run(md5(4), '{ not json');
    expect(validation(old)).toBe('valid');
    upgradeSchema(old);
    expect(validation(old)).toBe('valid');
    expect(
      old.prepare('SELECT path, group_id, role, rating, keywords FROM entries ORDER BY path').raw().all(),
    ).toEqual([
      ['a/IMG_1.HEIC', 'a/IMG_1.HEIC', 'primary', 4, 'sea\nLisbon'],
      ['a/IMG_1.MOV', 'a/IMG_1.HEIC', 'motion', null, null],
      ['a/IMG_2.JPG', null, null, null, null],
      ['b/IMG_1.MOV', null, null, null, null],
    ]);
    // The stale listing (of fourteen columns) is dropped, to be rebuilt before the next snapshot.
    expect(old.prepare('SELECT count(*) FROM listing').pluck().get()).toBe(0);
    // The same schema text as a new catalog's: equal rows give equal snapshot bytes.
    const schemaText = (db: Database.Database) =>
      db.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).raw().all();
    expect(schemaText(old)).toEqual(schemaText(catalogDb()));
  });

  test('a version 3 catalog gets the sidecar column, its rows as they were, and the schema of a new catalog', () => {
    const db = catalogDb(asVersion3);
    db.exec(
      `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, kind, status, rating) VALUES ('a.jpg', 'k', 1, 1, 'jpeg', 'ok', 3)`,
    );
    upgradeSchema(db);
    expect(validation(db)).toBe('valid');
    expect(db.prepare('SELECT rating, sidecar FROM entries').raw().all()).toEqual([[3, null]]);
    const schemaText = (d: Database.Database) =>
      d.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).raw().all();
    expect(schemaText(db)).toEqual(schemaText(catalogDb()));
  });

  test('a version 4 catalog gets the failure_code column, null in its rows, and the schema of a new catalog', () => {
    const db = catalogDb(asVersion4);
    db.exec(`INSERT INTO entries (path, fast_photo_key, size, mtime_ms, kind, status, reason)
      VALUES ('a.jpg', '', 1, 1, 'jpeg', 'failed', 'UNAVAILABLE: server went away')`);
    upgradeSchema(db);
    expect(validation(db)).toBe('valid');
    expect(db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get()).toBe('8');
    // No code is read out of the reason: a row written before codes were stored has none.
    expect(db.prepare('SELECT status, reason, failure_code FROM entries').raw().all()).toEqual([
      ['failed', 'UNAVAILABLE: server went away', null],
    ]);
    const schemaText = (d: Database.Database) =>
      d.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).raw().all();
    expect(schemaText(db)).toEqual(schemaText(catalogDb()));
  });

  test('a version 5 catalog gets its documents compacted and its external-id index partial, as a new catalog has them', () => {
    const db = catalogDb(asVersion5);
    const md5 = (n: number) => String(n).padStart(32, '0');
    const insert = db.prepare(
      `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, external_id, photo_md5, kind, status) VALUES (?, 'k', 1, 1, ?, ?, 'jpeg', 'ok')`,
    );
    insert.run('a.jpg', null, md5(1));
    insert.run('b.jpg', 'F1C5E8A2-0000-4000-8000-000000000001/L0/001', md5(2));
    insert.run('c.jpg', null, md5(3));
    insert.run('d.jpg', null, md5(4));
    const whole = documentWithoutExif({ photoMd5: md5(1), size: 1, make: 'Canon' });
    const put = db.prepare('INSERT INTO metadata (photo_md5, document) VALUES (?, ?)');
    put.run(md5(1), JSON.stringify(whole));
    put.run(md5(2), JSON.stringify({ ...whole, photoMd5: md5(2), make: null }));
    // Not documents of this version: left as they were, and read as they stand.
    put.run(md5(3), '{ not json');
    put.run(md5(4), JSON.stringify({ version: 1, kind: 'jpeg' }));
    upgradeSchema(db);
    expect(validation(db)).toBe('valid');
    expect(db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get()).toBe('8');
    const stored = db.prepare('SELECT photo_md5, document FROM metadata ORDER BY photo_md5').raw().all() as [
      string,
      string,
    ][];
    expect(stored).toEqual([
      [md5(1), storedDocumentText(whole, md5(1))],
      [md5(2), storedDocumentText({ ...whole, photoMd5: md5(2), make: null }, md5(2))],
      [md5(3), '{ not json'],
      [md5(4), '{"version":1,"kind":"jpeg"}'],
    ]);
    expect(JSON.parse(stored[0]![1] as string)).toStrictEqual({
      kind: 'jpeg',
      extension: 'jpg',
      size: 1,
      width: 320,
      height: 240,
      make: 'Canon',
    });
    expect(storedDocument(stored[0]![1], md5(1))).toStrictEqual(whole);
    const schemaText = (d: Database.Database) =>
      d.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).raw().all();
    expect(schemaText(db)).toEqual(schemaText(catalogDb()));
    expect(
      db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'entries_by_external_id'`).pluck().get(),
    ).toBe('CREATE INDEX entries_by_external_id ON entries(external_id) WHERE external_id IS NOT NULL');
    // A lookup by external id (see EntryQueries.get) still searches the index, now of one row.
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT * FROM entries WHERE external_id = ? ORDER BY path LIMIT 1')
      .all('F1C5E8A2-0000-4000-8000-000000000001/L0/001') as { detail: string }[];
    expect(plan.map((p) => p.detail)).toEqual([
      'SEARCH entries USING INDEX entries_by_external_id (external_id=?)',
    ]);
    expect(
      db
        .prepare('SELECT path FROM entries WHERE external_id = ? ORDER BY path LIMIT 1')
        .pluck()
        .all('F1C5E8A2-0000-4000-8000-000000000001/L0/001'),
    ).toEqual(['b.jpg']);
  });

  test('a version 6 catalog gets the table unlisted, empty, its documents as they were, and the schema of a new catalog', () => {
    const db = catalogDb(asVersion6);
    const md5 = String(1).padStart(32, '0');
    db.prepare('INSERT INTO metadata (photo_md5, document) VALUES (?, ?)').run(md5, '{"kind":"jpeg"}');
    upgradeSchema(db);
    expect(validation(db)).toBe('valid');
    expect(db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get()).toBe('8');
    expect(db.prepare('SELECT count(*) FROM unlisted').pluck().get()).toBe(0);
    expect(db.prepare('SELECT document FROM metadata').pluck().all()).toEqual(['{"kind":"jpeg"}']);
    const schemaText = (d: Database.Database) =>
      d.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).raw().all();
    expect(schemaText(db)).toEqual(schemaText(catalogDb()));
  });

  test('a version 5 catalog upgraded gives the very snapshot bytes of a new catalog with the same rows', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'photolala-schema-'));
    try {
      const md5 = (n: number) => String(n).padStart(32, 'a');
      const document = (n: number) =>
        documentWithoutExif({
          photoMd5: md5(n),
          size: n,
          width: 64,
          height: 48,
          storedWidth: 64,
          storedHeight: 48,
          perceptualHash: '8ded59671e1b1252',
        });
      const fill = (db: Database.Database, text: (n: number) => string) => {
        const entry = db.prepare(
          `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, photo_md5, kind, status) VALUES (?, 'k', ?, 1, ?, 'jpeg', 'ok')`,
        );
        const put = db.prepare('INSERT INTO metadata (photo_md5, document) VALUES (?, ?)');
        db.transaction(() => {
          for (let n = 1; n <= 300; n++) {
            entry.run(`IMG_${n}.JPG`, n, md5(n));
            put.run(md5(n), text(n));
          }
        })();
      };
      // On files, as catalogs are: a working file of 4 KiB pages, as release 5 made them.
      const fresh = openWorkingFile(path.join(dir, 'fresh.sqlite'));
      createSchema(fresh, 'file:///schema', 0);
      fill(fresh, (n) => storedDocumentText(document(n), md5(n)));
      const written = new Database(path.join(dir, 'old.sqlite'));
      written.pragma('page_size = 4096');
      createSchema(written, 'file:///schema', 0);
      written.exec(asVersion5);
      fill(written, (n) => JSON.stringify(document(n)));
      written.close();
      const old = openWorkingFile(path.join(dir, 'old.sqlite'));
      expect(old.pragma('page_size', { simple: true })).toBe(4096);
      upgradeSchema(old);
      const base = { catalogMd5: undefined, generation: 0 };
      const [a, b] = [await serializeSnapshot(fresh, dir, base), await serializeSnapshot(old, dir, base)];
      expect(b.size).toBe(a.size);
      expect(b.catalogMd5).toBe(a.catalogMd5);
      fresh.close();
      old.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
