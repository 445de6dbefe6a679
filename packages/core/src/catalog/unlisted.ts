import type Database from 'better-sqlite3';

/**
 * Files and folders a scan saw but could not catalog: a name that is not valid UTF-8 or holds a
 * control character, a folder it could not read. They have no entry (no path a catalog can hold),
 * so without this table a comparison would never know of them and call a card backed up while a
 * photo on it was never checked. `path` is the name as shown, U+FFFD for bytes that are not UTF-8.
 */
export const UNLISTED_TABLE =
  'CREATE TABLE unlisted (path TEXT PRIMARY KEY, reason TEXT NOT NULL) WITHOUT ROWID';

export interface UnlistedFile {
  path: string;
  reason: string;
}

/** Whether `db` has the table: catalogs before schema 7 are read in place without it. */
const hasTable = (db: Database.Database) =>
  db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'unlisted'`).get() !== undefined;

/** What the last complete scan could not catalog, in path order. */
export function readUnlisted(db: Database.Database): UnlistedFile[] {
  if (!hasTable(db)) return [];
  const rows = db.prepare('SELECT path, reason FROM unlisted ORDER BY path').raw(true).all() as unknown[][];
  // A snapshot is untrusted input: only text is taken.
  return rows.flatMap(([path, reason]) =>
    typeof path === 'string' && typeof reason === 'string' ? [{ path, reason }] : [],
  );
}

/**
 * One file per shown name (two undecodable names can show alike), in SQLite's order of the table's
 * key (the bytes of the UTF-8), so that it compares with what `readUnlisted` returns.
 */
export function distinctUnlisted(files: readonly UnlistedFile[]): UnlistedFile[] {
  const byPath = new Map<string, UnlistedFile>();
  for (const file of files) if (!byPath.has(file.path)) byPath.set(file.path, file);
  return [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** Whether the table holds other files than `files` (distinct, in path order). */
export function unlistedDiffer(db: Database.Database, files: readonly UnlistedFile[]): boolean {
  const stored = readUnlisted(db);
  return (
    stored.length !== files.length ||
    stored.some((s, i) => s.path !== files[i]!.path || s.reason !== files[i]!.reason)
  );
}

/** Replaces what the table holds by `files` (distinct), in `schema` ('head' during a rebase). */
export function writeUnlisted(
  db: Database.Database,
  files: readonly UnlistedFile[],
  schema: 'main' | 'head' = 'main',
): void {
  db.prepare(`DELETE FROM ${schema}.unlisted`).run();
  const insert = db.prepare(`INSERT INTO ${schema}.unlisted (path, reason) VALUES (?, ?)`);
  for (const file of files) insert.run(file.path, file.reason);
}
