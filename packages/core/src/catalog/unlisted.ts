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

/**
 * A path whose state a session's scans changed: unlisted now, with `reason`, or (`reason` null) no
 * longer. A rebase applies these to the newer snapshot path by path, as it does a scan's entries, so
 * that what another process's scan found and this one did not see is kept.
 */
export interface UnlistedChange {
  path: string;
  reason: string | null;
}

/** How `files` (distinct) differ from what the table holds, path by path; empty when they do not. */
export function unlistedChanges(db: Database.Database, files: readonly UnlistedFile[]): UnlistedChange[] {
  const stored = new Map(readUnlisted(db).map((f) => [f.path, f.reason]));
  const changes: UnlistedChange[] = [];
  for (const file of files) {
    if (stored.get(file.path) !== file.reason) changes.push(file);
    stored.delete(file.path);
  }
  for (const path of stored.keys()) changes.push({ path, reason: null });
  return changes;
}

/** The changes of `earlier` then `later`, one per path, the later winning. */
export function mergeUnlistedChanges(
  earlier: readonly UnlistedChange[] | undefined,
  later: readonly UnlistedChange[],
): UnlistedChange[] {
  const byPath = new Map((earlier ?? []).map((c) => [c.path, c]));
  for (const change of later) byPath.set(change.path, change);
  return [...byPath.values()];
}

/** Replaces what the table holds by `files` (distinct). */
export function writeUnlisted(db: Database.Database, files: readonly UnlistedFile[]): void {
  db.prepare('DELETE FROM unlisted').run();
  const insert = db.prepare('INSERT INTO unlisted (path, reason) VALUES (?, ?)');
  for (const file of files) insert.run(file.path, file.reason);
}

/** Applies a session's changes to the table in `schema` ('head' during a rebase). */
export function applyUnlistedChanges(
  db: Database.Database,
  changes: readonly UnlistedChange[],
  schema: 'main' | 'head',
): void {
  const remove = db.prepare(`DELETE FROM ${schema}.unlisted WHERE path = ?`);
  const put = db.prepare(`INSERT OR REPLACE INTO ${schema}.unlisted (path, reason) VALUES (?, ?)`);
  for (const { path, reason } of changes) {
    if (reason === null) remove.run(path);
    else put.run(path, reason);
  }
}
