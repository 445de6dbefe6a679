import type Database from 'better-sqlite3';
import type { SourceEntry } from '../source/root-source.js';
import type { StatusResult } from './catalog-types.js';
import { ROW_COLUMNS, ROW_VALUES, type ScanRow } from './entry-row.js';
import { SESSION_PATHS } from './rebase.js';
import type { ScanPlan } from './scan-plan.js';

// How a scan's results reach the database: staged in temp tables while files are digested, then
// applied with the plan's removals, moves and touches in one transaction.

/**
 * Digest results wait in temp tables (in SQLite, not the JS heap, so 100k results cost little
 * memory) until the scan applies them in one transaction. Temp tables are not part of snapshots.
 */
export function stageScan(db: Database.Database) {
  db.exec(`
    CREATE TEMP TABLE IF NOT EXISTS pending_entries AS SELECT * FROM main.entries WHERE 0;
    CREATE TEMP TABLE IF NOT EXISTS pending_metadata (photo_md5 TEXT PRIMARY KEY, document TEXT NOT NULL);
    DELETE FROM temp.pending_entries;
    DELETE FROM temp.pending_metadata;
  `);
  const row = db.prepare(`INSERT INTO temp.pending_entries (${ROW_COLUMNS}) VALUES (${ROW_VALUES})`);
  const document = db.prepare(
    'INSERT OR REPLACE INTO temp.pending_metadata (photo_md5, document) VALUES (?, ?)',
  );
  return {
    row: (r: ScanRow) => row.run(r),
    document: (md5: string, text: string) => document.run(md5, text),
  };
}

/**
 * Applies a scan in one transaction, so a reader sees the catalog before or after it, never between.
 * Returns whether the catalog changed.
 */
export function applyPlan(
  db: Database.Database,
  plan: ScanPlan,
  stagedRows: number,
  okReason: (entry: SourceEntry) => string | null,
): boolean {
  const remove = db.prepare('DELETE FROM entries WHERE path = ?');
  const upsert = db.prepare(`INSERT OR REPLACE INTO entries (${ROW_COLUMNS}) VALUES (${ROW_VALUES})`);
  const touch = db.prepare('UPDATE entries SET size = ?, mtime_ms = ?, etag = ?, reason = ? WHERE path = ?');
  db.exec(SESSION_PATHS);
  const changedPath = db.prepare(
    'INSERT OR REPLACE INTO temp.session_paths (path, from_path, deleted) VALUES (?, ?, ?)',
  );
  db.transaction(() => {
    for (const row of plan.removed) {
      remove.run(row.path);
      changedPath.run(row.path, null, 1);
    }
    for (const { from, to } of plan.moved) {
      remove.run(from.path);
      changedPath.run(from.path, null, 1);
      changedPath.run(to.entry.path, from.path, 0);
      upsert.run({
        ...from,
        path: to.entry.path,
        size: to.entry.size,
        mtime_ms: to.entry.mtimeMs,
        etag: to.entry.etag ?? null,
        external_id: to.entry.externalId ?? from.external_id,
        reason: okReason(to.entry),
      });
    }
    for (const file of plan.touched) changedPath.run(file.entry.path, null, 0);
    for (const file of plan.touched)
      touch.run(
        file.entry.size,
        file.entry.mtimeMs,
        file.entry.etag ?? null,
        okReason(file.entry),
        file.entry.path,
      );
    db.exec(`
      INSERT OR REPLACE INTO temp.session_paths (path, from_path, deleted) SELECT path, NULL, 0 FROM temp.pending_entries;
      INSERT OR REPLACE INTO main.entries (${ROW_COLUMNS}) SELECT ${ROW_COLUMNS} FROM temp.pending_entries ORDER BY path;
      INSERT OR REPLACE INTO main.metadata (photo_md5, document) SELECT photo_md5, document FROM temp.pending_metadata ORDER BY photo_md5;
      DELETE FROM temp.pending_entries;
      DELETE FROM temp.pending_metadata;
    `);
    // Documents of photos no longer in the catalog would make equal catalogs differ.
    db.exec(
      'DELETE FROM metadata WHERE photo_md5 NOT IN (SELECT photo_md5 FROM entries WHERE photo_md5 IS NOT NULL)',
    );
  })();
  return plan.removed.length > 0 || plan.moved.length > 0 || plan.touched.length > 0 || stagedRows > 0;
}

/** The change lists of a plan, by path. */
export function summarize(plan: ScanPlan): StatusResult {
  return {
    added: plan.added.map((f) => f.entry.path),
    removed: plan.removed.map((r) => r.path),
    changed: plan.changed.map((f) => f.entry.path),
    moved: plan.moved.map((m) => ({ from: m.from.path, to: m.to.entry.path })),
    // Racy entries are re-hashed by a scan; a status check cannot tell, and counts them unchanged.
    unchanged: plan.unchanged + plan.touched.length + plan.reverify.length,
    failed: plan.failed,
    skipped: plan.skipped,
  };
}
