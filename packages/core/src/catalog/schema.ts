import type Database from 'better-sqlite3';
import { METADATA_VERSION, metadataDocumentSchema } from '../digest/metadata.js';
import { datedInForm, takenAtForm } from '../digest/taken-at.js';
import { PhotolalaError } from '../source/errors.js';
import { readOnceWithScanCache } from './bulk-read.js';
import { regroupAll } from './group-rows.js';
import { dropSidecarEntries } from './sidecars.js';
import { storedDocument, storedDocumentText } from './stored-document.js';
import { UNLISTED_TABLE } from './unlisted.js';

/**
 * 2 added the `listing` table; 3 the `entries` columns `group_id`, `role`, `rating` and `keywords`;
 * 4 the column `sidecar`; 5 the column `failure_code`; 6 stores metadata documents compacted (see
 * stored-document.ts) and indexes only the external ids there are; 7 the table `unlisted` (see
 * unlisted.ts); 8 holds every capture date (`taken_at`, a document's `takenAt`) in the one form (see
 * taken-at.ts; upgraded by datesInForm).
 * Older snapshots still load: they are upgraded when opened (see upgradeSchema; version 5 when next
 * published, see isUnreadableSchema), and published as the current version by the next scan. Readers that know only an older version refuse a newer one as invalid,
 * so they fall back to an older snapshot the pointer still names, or rebuild.
 */
export const SCHEMA_VERSION = 8;
const OLDEST_READABLE_VERSION = 1;
export const GENERATOR = '@photolala/core';

/**
 * The whole of `entries`, as JSON texts of a few thousand rows each, rebuilt before a snapshot is
 * serialised whenever anything was written since the last one (see bulk-read.ts). Reloading a catalog lists it from here: parsing stored JSON is
 * about twice as fast as having SQLite build the same JSON from the rows.
 */
const LISTING_TABLE = `CREATE TABLE listing (
    chunk INTEGER PRIMARY KEY,
    rows INTEGER NOT NULL,
    json TEXT NOT NULL
  )`;

/**
 * Tables are WITHOUT ROWID and keyed by content (path, photo-md5), so `VACUUM INTO` writes rows in
 * key order whatever the history of inserts and deletes: equal content gives byte-identical snapshots.
 */
const SCHEMA = [
  `CREATE TABLE version (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE entries (
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
  ) WITHOUT ROWID`,
  `CREATE INDEX entries_by_fast_photo_key ON entries(fast_photo_key)`,
  `CREATE INDEX entries_by_photo_md5 ON entries(photo_md5)`,
  `CREATE INDEX entries_by_external_id ON entries(external_id)`,
  `CREATE TABLE metadata (photo_md5 TEXT PRIMARY KEY, document TEXT NOT NULL) WITHOUT ROWID`,
  LISTING_TABLE,
  `CREATE TABLE star_queue (
    seq INTEGER PRIMARY KEY,
    operation TEXT NOT NULL,
    photo_md5 TEXT,
    fast_photo_key TEXT NOT NULL,
    path TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    state TEXT NOT NULL
  )`,
];

/**
 * The columns versions 3 to 5 added, added to a new catalog by the same statements an upgrade runs, so that
 * both have the very same schema text (SQLite rewrites `CREATE TABLE` on `ADD COLUMN`): equal rows then
 * give equal snapshot bytes whatever the catalog's history. `group_id` is the primary's path and `role`
 * one of GROUP_ROLES (see groups.ts), both null for a file in no group; `rating` is the XMP rating
 * (-1 to 5), and `keywords` the XMP keywords joined by newlines (which they never contain).
 */
const ADDED_COLUMNS = [
  'ALTER TABLE entries ADD COLUMN group_id TEXT',
  'ALTER TABLE entries ADD COLUMN role TEXT',
  'ALTER TABLE entries ADD COLUMN rating INTEGER',
  'ALTER TABLE entries ADD COLUMN keywords TEXT',
  // Version 4: the XMP sidecar found for the file, and what it says (see sidecars.ts).
  'ALTER TABLE entries ADD COLUMN sidecar TEXT',
  // Version 5: the code of a failed row's error, as data (see FAILURE_CODES in entry-row.ts).
  'ALTER TABLE entries ADD COLUMN failure_code TEXT',
];
const ADDED_COLUMN_NAMES = ['group_id', 'role', 'rating', 'keywords', 'sidecar', 'failure_code'];
/** The columns each version from 3 on has, of ADDED_COLUMN_NAMES: every read selects them. */
const COLUMNS_OF_VERSION = new Map<unknown, string[]>([
  ['3', ADDED_COLUMN_NAMES.slice(0, 4)],
  ['4', ADDED_COLUMN_NAMES.slice(0, 5)],
  ['5', ADDED_COLUMN_NAMES],
  ['6', ADDED_COLUMN_NAMES],
  ['7', ADDED_COLUMN_NAMES],
  ['8', ADDED_COLUMN_NAMES],
]);
/**
 * The few rows that have a sidecar, found without reading every row: each scan looks at them, to find
 * sidecars removed (see applySidecars). Partial, so a library without sidecars pays nothing.
 */
const SIDECAR_INDEX = 'CREATE INDEX entries_with_sidecar ON entries(path) WHERE sidecar IS NOT NULL';

const VERSION_1_OBJECTS = [
  'table:version',
  'table:entries',
  'table:metadata',
  'table:star_queue',
  'index:entries_by_fast_photo_key',
  'index:entries_by_photo_md5',
  'index:entries_by_external_id',
];

/** The tables and indexes of each readable schema version, exactly. */
const EXPECTED_OBJECTS = new Map<unknown, Set<string>>([
  ['1', new Set(VERSION_1_OBJECTS)],
  ['2', new Set([...VERSION_1_OBJECTS, 'table:listing'])],
  ['3', new Set([...VERSION_1_OBJECTS, 'table:listing'])],
  ['4', new Set([...VERSION_1_OBJECTS, 'table:listing', 'index:entries_with_sidecar'])],
  ['5', new Set([...VERSION_1_OBJECTS, 'table:listing', 'index:entries_with_sidecar'])],
  ['6', new Set([...VERSION_1_OBJECTS, 'table:listing', 'index:entries_with_sidecar'])],
  ['7', new Set([...VERSION_1_OBJECTS, 'table:listing', 'index:entries_with_sidecar', 'table:unlisted'])],
  ['8', new Set([...VERSION_1_OBJECTS, 'table:listing', 'index:entries_with_sidecar', 'table:unlisted'])],
]);

/**
 * Version 6: external ids only where there are some (photo-library roots; every local or cloud row has
 * none, and a full index held a null key per row). A lookup by id (`external_id = ?`) still uses it.
 * Made by the same statements in a new catalog as in an upgrade, so both have the same schema.
 */
const PARTIAL_EXTERNAL_ID_INDEX = [
  'DROP INDEX entries_by_external_id',
  'CREATE INDEX entries_by_external_id ON entries(external_id) WHERE external_id IS NOT NULL',
];

/**
 * Rewrites the documents of a catalog before version 6 as version 6 stores them (see
 * storedDocumentText): a catalog upgraded then holds the very bytes a new one would. Only a valid
 * document of this version is rewritten; anything else is left as it was, and read as it stands.
 */
function compactDocuments(db: Database.Database): void {
  const rows = db.prepare('SELECT photo_md5, document FROM metadata').raw().all() as [unknown, unknown][];
  const update = db.prepare('UPDATE metadata SET document = ? WHERE photo_md5 = ?');
  for (const [md5, text] of rows) {
    if (typeof md5 !== 'string' || typeof text !== 'string') continue;
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      continue;
    }
    if ((document as { version?: unknown } | null)?.version !== METADATA_VERSION) continue;
    if (!metadataDocumentSchema.safeParse(document).success) continue;
    update.run(storedDocumentText(document, md5), md5);
  }
}

/**
 * The rows whose `taken_at` may not be in the one form (see taken-at.ts): a zone `Z`, a fraction of
 * `.000`, or one not of three digits. What SQL cannot tell exactly, takenAtForm does for the few rows
 * this leaves; a catalog whose dates are all in the one form leaves none, whatever their number.
 */
const OFF_FORM_DATES = `taken_at GLOB '*Z' OR substr(taken_at, 20) GLOB '.000*' OR (substr(taken_at, 20) GLOB '.*'
  AND NOT substr(taken_at, 20) GLOB '.[0-9][0-9][0-9]' AND NOT substr(taken_at, 20) GLOB '.[0-9][0-9][0-9][+-][0-9][0-9]:[0-9][0-9]')`;

/**
 * Whether any row of `entries` holds a capture date of a form made before schema 8 (`.000`, `Z`): a
 * read of the whole table, with a small page cache (see readOnceWithScanCache), about 17 ms of CPU
 * for 100k rows, paid by a command on a catalog of schema 5 to 7 until its first write upgrades it.
 */
function hasOffFormDates(db: Database.Database): boolean {
  return readOnceWithScanCache(db, () => {
    const rows = db.prepare(`SELECT taken_at FROM entries WHERE ${OFF_FORM_DATES}`).pluck().iterate();
    for (const value of rows as IterableIterator<unknown>)
      if (typeof value === 'string' && takenAtForm(value) !== value) return true;
    return false;
  });
}

/**
 * Version 8: every capture date in the one form (see taken-at.ts), in `entries` and in the metadata
 * documents: what a new catalog writes. Only the dates of an older form are rewritten, and their
 * documents through storedDocumentText, so an upgraded catalog holds the very bytes a new one would;
 * no photo is read again. A document that is not valid is left as it stands, as compactDocuments
 * leaves it. The listing, a copy of `entries`, is made again before the next snapshot. Gives the
 * photo-md5s whose dates it rewrote: their cache documents, made by the same older release, are put
 * in the form by the catalog, each once when first asked for (see PhotoFiles.settleCachedDates),
 * not checked on every read.
 */
function datesInForm(db: Database.Database): string[] {
  const rows = db.prepare(`SELECT path, taken_at FROM entries WHERE ${OFF_FORM_DATES}`).raw().all() as [
    unknown,
    unknown,
  ][];
  const setRow = db.prepare('UPDATE entries SET taken_at = ? WHERE path = ? RETURNING photo_md5').pluck();
  const redated = new Set<string>();
  let changed = 0;
  for (const [path, value] of rows) {
    if (typeof value !== 'string' || takenAtForm(value) === value) continue;
    const md5 = setRow.get(takenAtForm(value), path);
    if (typeof md5 === 'string') redated.add(md5);
    changed++;
  }
  if (changed > 0) db.exec('DELETE FROM listing');
  // Inside a JSON text every quote of a value is escaped: `"takenAt":"` is only ever the key.
  const documents = db
    .prepare(`SELECT photo_md5, document FROM metadata WHERE instr(document, '"takenAt":"') > 0`)
    .raw()
    .iterate() as IterableIterator<[unknown, unknown]>;
  const stale: [string, string][] = [];
  for (const [md5, text] of documents) {
    if (typeof md5 !== 'string' || typeof text !== 'string') continue;
    const takenAt = /"takenAt":"([^"\\]*)"/.exec(text)?.[1];
    if (takenAt === undefined || takenAtForm(takenAt) === takenAt) continue;
    const parsed = metadataDocumentSchema.safeParse(storedDocument(text, md5));
    if (!parsed.success) continue;
    stale.push([storedDocumentText(datedInForm(parsed.data), md5), md5]);
  }
  const setDocument = db.prepare('UPDATE metadata SET document = ? WHERE photo_md5 = ?');
  for (const [text, md5] of stale) {
    setDocument.run(text, md5);
    redated.add(md5);
  }
  return [...redated];
}

/**
 * Settings for a database that may come from a shared folder, i.e. untrusted input: no schema code
 * is trusted (triggers, views, functions in defaults), the file is checked for corruption, and
 * writes through the schema cannot be redirected.
 */
export function hardenDatabase(db: Database.Database): void {
  db.pragma('trusted_schema = OFF');
  db.pragma('cell_size_check = ON');
  db.pragma('foreign_keys = OFF');
  db.pragma('recursive_triggers = OFF');
}

export function createSchema(db: Database.Database, rootUri: string, createdAtMs: number): void {
  db.transaction(() => {
    for (const sql of SCHEMA) db.exec(sql);
    for (const sql of ADDED_COLUMNS) db.exec(sql);
    db.exec(SIDECAR_INDEX);
    for (const sql of PARTIAL_EXTERNAL_ID_INDEX) db.exec(sql);
    // Last, as an upgrade adds it: a new and an upgraded catalog then have the very same schema.
    db.exec(UNLISTED_TABLE);
    const put = db.prepare('INSERT INTO version (key, value) VALUES (?, ?)');
    put.run('schema_version', String(SCHEMA_VERSION));
    put.run('generator', GENERATOR);
    put.run('root_uri', rootUri);
    // The catalog's creation time, not the snapshot's: snapshots of equal content stay identical.
    put.run('created_at', new Date(createdAtMs).toISOString());
  })();
}

/**
 * Checks that a loaded snapshot is a catalog of ours: exactly our tables and indexes (no triggers or
 * views that could run code on our writes) and our schema version. Accidental damage is already ruled
 * out by the MD5 check against the file name; `cell_size_check` guards the b-tree walk against
 * deliberately malformed pages, so no full integrity scan is paid on every load.
 */
export function validateSchema(db: Database.Database): void {
  const corrupt = (why: string) =>
    new PhotolalaError('CORRUPT', `not a valid catalog snapshot: ${why}`, { backend: 'catalog' });
  const objects = db.prepare(`SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).all() as {
    type: string;
    name: string;
  }[];
  // The version table is read first, so it must be there before anything is read from it.
  if (!objects.some((o) => o.type === 'table' && o.name === 'version')) throw corrupt('tables are missing');
  const version = db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get();
  const expected = EXPECTED_OBJECTS.get(version);
  if (!expected) {
    throw corrupt(
      `schema version ${String(version)}, expected ${OLDEST_READABLE_VERSION} to ${SCHEMA_VERSION}`,
    );
  }
  for (const { type, name } of objects) {
    if (!expected.has(`${type}:${name}`)) throw corrupt(`unexpected ${type} ${JSON.stringify(name)}`);
  }
  if (objects.length !== expected.size) throw corrupt('tables are missing');
  const wanted = COLUMNS_OF_VERSION.get(version);
  if (wanted) {
    // Every read selects these: a file of a version that has them, without them, is not one of ours.
    const columns = new Set(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('entries'));
    const missing = wanted.filter((name) => !columns.has(name));
    if (missing.length > 0) throw corrupt(`entries has no column ${missing.join(', ')}`);
  }
}

/**
 * Whether a loaded catalog lacks tables or columns that reads select, so that it is upgraded in a
 * working copy before it is read. A version 5 catalog differs only in how its documents are stored,
 * which every reader takes either way, and a version 6 one only by the table `unlisted`, which
 * readers take as empty when it is absent; a version 7 one only by its dates, when none is of an
 * older form (see hasOffFormDates; a single document's date is put in the form where it is read).
 * These are read in place, and upgraded when first written (see
 * WorkingDatabase.writable; compacting 100k documents costs seconds, which a command that only reads
 * should not pay).
 */
export function isUnreadableSchema(db: Database.Database): boolean {
  const version = db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get();
  if (version === String(SCHEMA_VERSION)) return false;
  if (version !== '7' && version !== '6' && version !== '5') return true;
  // Every reader takes a date as `entries` holds it: one of an older form is upgraded first.
  return hasOffFormDates(db);
}

/**
 * Brings a writable working database of an older readable version to the current schema; the next
 * snapshot is then written in it. From version 2, the new columns are filled: groups from the
 * entries, rating and keywords from the metadata documents (whatever a document holds is checked
 * again when read, see entry-row.ts). Before version 6, the documents are compacted; before version 8,
 * capture dates are put in the one form (see datesInForm); the photo-md5s whose dates were are given.
 */
export function upgradeSchema(db: Database.Database): string[] {
  const version = db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get();
  if (version === String(SCHEMA_VERSION)) return [];
  return db.transaction(() => {
    if (version === '1') db.exec(LISTING_TABLE);
    const present = new Set(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('entries'));
    ADDED_COLUMN_NAMES.forEach((name, i) => {
      if (!present.has(name)) db.exec(ADDED_COLUMNS[i]!);
    });
    const indexed = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'entries_with_sidecar'`).get();
    // The very text a new catalog has (`IF NOT EXISTS` would be stored too).
    if (!indexed) db.exec(SIDECAR_INDEX);
    // Before version 4, an XMP sidecar was an entry of its own.
    if (!['4', '5', '6', '7'].includes(String(version)) && dropSidecarEntries(db) > 0)
      db.exec('DELETE FROM listing');
    // From version 3 on, groups, ratings and keywords are there. Failed rows of versions before 5 keep
    // a null code: see retriesFailure in entry-row.ts for why they are tried again.
    if (version === '1' || version === '2') fillVersion3Columns(db);
    if (version !== '6' && version !== '7') {
      for (const sql of PARTIAL_EXTERNAL_ID_INDEX) db.exec(sql);
      compactDocuments(db);
    }
    if (version !== '7') db.exec(UNLISTED_TABLE);
    const redated = datesInForm(db);
    db.prepare(`UPDATE version SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
    return redated;
  })();
}

/** Groups from the entries, and ratings and keywords from the documents, of a catalog before version 3. */
function fillVersion3Columns(db: Database.Database): void {
  db.exec(`
      UPDATE entries SET
        rating = (SELECT CASE WHEN typeof(json_extract(m.document, '$.rating')) = 'integer'
            THEN json_extract(m.document, '$.rating') END
          FROM metadata m WHERE m.photo_md5 = entries.photo_md5 AND json_valid(m.document)),
        keywords = (SELECT (SELECT group_concat(k.value, char(10)) FROM json_each(m.document, '$.keywords') k
            WHERE k.type = 'text' AND instr(k.value, char(10)) = 0)
          FROM metadata m WHERE m.photo_md5 = entries.photo_md5 AND json_valid(m.document)
            AND json_type(m.document, '$.keywords') = 'array')
      WHERE photo_md5 IS NOT NULL;
      DELETE FROM listing;
    `);
  regroupAll(db);
}

/** Upgrades a copy of a snapshot in place (see upgradeSchema), opened by `open`: before rows of ours go into it. */
export function upgradeSchemaFile(file: string, open: (file: string) => Database.Database): void {
  const db = open(file);
  try {
    hardenDatabase(db);
    upgradeSchema(db);
  } finally {
    db.close();
  }
}

export function readVersionTable(db: Database.Database): Record<string, string> {
  const rows = db.prepare('SELECT key, value FROM version').all() as { key: string; value: string }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}
