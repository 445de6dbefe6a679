import type Database from 'better-sqlite3';
import { ROW_COLUMN_LIST } from './entry-row.js';
import { applyUnlistedChanges, type UnlistedChange } from './unlisted.js';

/** One star or unstar this session made, not yet in a published snapshot. */
export interface SessionStarChange {
  path: string;
  starred: boolean;
  photoMd5: string | null;
  atMs: number;
  /** The star-queue row it added (undefined when it cancelled a pending opposite one). */
  seq: number | undefined;
}

/** A star-queue row this session marked synced; rows are matched by content, since seqs differ. */
export interface SessionSynced {
  operation: string;
  path: string;
  photoMd5: string | null;
  atMs: number;
}

/** What a session changed since the snapshot it last loaded or published; replayed by a rebase. */
export interface SessionChanges {
  stars: SessionStarChange[];
  synced: SessionSynced[];
  /**
   * The paths whose state as unlisted (see unlisted.ts) the session's scans changed from what it
   * loaded; undefined when none did.
   */
  unlisted?: UnlistedChange[];
}

/**
 * Paths a session's scans wrote (`deleted` 0, with the path a moved file came from) or removed
 * (`deleted` 1), in a temp table of the working database: a first scan of 100k files stays out of
 * the JS heap.
 */
export const SESSION_PATHS = `CREATE TEMP TABLE IF NOT EXISTS session_paths (
  path TEXT PRIMARY KEY,
  from_path TEXT,
  deleted INTEGER NOT NULL
)`;

/**
 * Sets an entry's star in `schema` and updates the star queue: a pending opposite operation on the
 * same photo cancels out (star then unstar before any sync leaves the queue as it was), anything else
 * is queued. Returns the row added, or the row cancelled.
 */
export function writeStarChange(
  db: Database.Database,
  schema: 'main' | 'head',
  entry: { path: string; photoMd5: string | null; fastPhotoKey: string },
  starred: boolean,
  atMs: number,
): { inserted?: number; cancelled?: number } {
  const operation = starred ? 'star' : 'unstar';
  const opposite = starred ? 'unstar' : 'star';
  db.prepare(`UPDATE ${schema}.entries SET starred = ? WHERE path = ?`).run(starred ? 1 : 0, entry.path);
  const last = db
    .prepare(
      `SELECT seq, operation FROM ${schema}.star_queue WHERE path = ? AND state = 'pending' ORDER BY seq DESC LIMIT 1`,
    )
    .get(entry.path) as { seq: number; operation: string } | undefined;
  if (last?.operation === opposite) {
    db.prepare(`DELETE FROM ${schema}.star_queue WHERE seq = ?`).run(last.seq);
    return { cancelled: last.seq };
  }
  const added = db
    .prepare(
      `INSERT INTO ${schema}.star_queue (operation, photo_md5, fast_photo_key, path, at_ms, state) VALUES (?, ?, ?, ?, ?, 'pending')`,
    )
    .run(operation, entry.photoMd5, entry.fastPhotoKey, entry.path, atMs);
  return { inserted: Number(added.lastInsertRowid) };
}

/**
 * Every column of a row a scan wrote: what an entry lists, and the XMP sidecar it was read with (see
 * sidecars.ts), which no entry shows but whose loss would have the next scan read the sidecar again
 * and report the photo changed.
 */
const REBASED_COLUMNS = [...new Set([...ROW_COLUMN_LIST, 'sidecar'])];
const columns = REBASED_COLUMNS.join(', ');
// The star a path has in the newest snapshot wins over the one this session's scan saw: stars are
// replayed separately. A moved file takes the star of the path it came from.
const rebasedColumns = REBASED_COLUMNS.map((c) =>
  c === 'starred'
    ? `COALESCE((SELECT h.starred FROM head.entries h WHERE h.path = d.path),
        (SELECT h.starred FROM head.entries h WHERE h.path = d.from_path), e.starred) AS starred`
    : `e.${c} AS ${c}`,
).join(', ');

/**
 * Replays a session's changes onto the newest snapshot, which another process published since this
 * one loaded its own: `ours` is the session's working database (writable), `headFile` a disposable
 * copy of the newest snapshot, changed in place. The scan's entries (the files it wrote or removed)
 * replace the head's, keeping the head's stars; then every star and unstar is made again where its
 * photo still is (a star only onto the photo starred), synced queue rows are marked again, and the
 * paths the session's scans found unlisted or no longer unlisted are changed in the head's list.
 * `changes.stars` is updated to the rows added in the head (a change that no longer applies is
 * dropped). The session's paths are left in the head file's table `photolala_session_paths`, for the
 * caller to take into its new connection's temp table.
 */
export function rebaseOnto(ours: Database.Database, headFile: string, changes: SessionChanges): void {
  ours.exec(SESSION_PATHS);
  ours.prepare('ATTACH ? AS head').run(headFile);
  try {
    ours.transaction(() => {
      ours.exec(`
        CREATE TEMP TABLE rebased AS SELECT ${rebasedColumns}
          FROM temp.session_paths d JOIN main.entries e ON e.path = d.path WHERE d.deleted = 0;
        DELETE FROM head.entries WHERE path IN (SELECT path FROM temp.session_paths WHERE deleted = 1);
        INSERT OR REPLACE INTO head.entries (${columns}) SELECT ${columns} FROM temp.rebased ORDER BY path;
        INSERT OR REPLACE INTO head.metadata (photo_md5, document)
          SELECT photo_md5, document FROM main.metadata
          WHERE photo_md5 IN (SELECT photo_md5 FROM temp.rebased) ORDER BY photo_md5;
        DELETE FROM head.metadata
          WHERE photo_md5 NOT IN (SELECT photo_md5 FROM head.entries WHERE photo_md5 IS NOT NULL);
        DROP TABLE temp.rebased;
      `);
      const entryOf = ours.prepare(
        'SELECT starred, photo_md5, fast_photo_key FROM head.entries WHERE path = ?',
      );
      const kept: SessionStarChange[] = [];
      for (const change of changes.stars) {
        const entry = entryOf.get(change.path) as
          | { starred: number; photo_md5: string | null; fast_photo_key: string }
          | undefined;
        if (!entry || entry.starred === (change.starred ? 1 : 0)) continue;
        if (change.starred && entry.photo_md5 !== change.photoMd5) continue;
        const written = writeStarChange(
          ours,
          'head',
          { path: change.path, photoMd5: entry.photo_md5, fastPhotoKey: entry.fast_photo_key },
          change.starred,
          change.atMs,
        );
        kept.push({ ...change, seq: written.inserted });
      }
      changes.stars = kept;
      const markSynced = ours.prepare(
        `UPDATE head.star_queue SET state = 'done'
          WHERE operation = ? AND path = ? AND photo_md5 IS ? AND at_ms = ? AND state = 'pending'`,
      );
      for (const row of changes.synced) markSynced.run(row.operation, row.path, row.photoMd5, row.atMs);
      // Path by path, as the scan's entries: a file the head's scan found unlisted and the session's
      // never saw (added after it listed the root) stays so, and is not called cataloged.
      if (changes.unlisted) applyUnlistedChanges(ours, changes.unlisted, 'head');
      ours.exec('CREATE TABLE head.photolala_session_paths AS SELECT * FROM temp.session_paths');
    })();
  } finally {
    ours.exec('DETACH head');
  }
}

/** Moves the session's paths left by `rebaseOnto` into the new connection's temp table. */
export function takeSessionPaths(db: Database.Database): void {
  db.exec(SESSION_PATHS);
  db.exec(`
    INSERT OR REPLACE INTO temp.session_paths SELECT * FROM main.photolala_session_paths;
    DROP TABLE main.photolala_session_paths;
  `);
}
