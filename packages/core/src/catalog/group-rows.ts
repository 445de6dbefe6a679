import type Database from 'better-sqlite3';
import { contentIdentifier } from '../digest/content-identifier.js';
import { computeGroups, folderOf } from './groups.js';

/**
 * An entry's path, kind, group and role, and the Live Photo identifier its metadata document records
 * (see groups.ts). Only kinds that pair by identifier have their document looked at, and only one that
 * names the field is parsed: most documents are never parsed here.
 */
const GROUP_COLUMNS = `e.path, e.kind, e.group_id, e.role,
  CASE WHEN e.kind IN ('heic', 'jpeg', 'video') AND instr(m.document, '"contentIdentifier"') > 0
    AND json_valid(m.document) THEN json_extract(m.document, '$.contentIdentifier') END
  FROM entries e LEFT JOIN metadata m ON m.photo_md5 = e.photo_md5`;

/**
 * Sets `group_id` and `role` of the entries in `folders` (relative paths, `''` for the root) from
 * `computeGroups`, writing only rows whose group changed. A group never spans folders, so a scan
 * regroups the folders it touched and nothing else. Returns how many rows changed.
 */
export function regroupFolders(db: Database.Database, folders: Iterable<string>): number {
  // Direct children only: a range of the primary key, then no further slash after the folder's own.
  const inFolder = db
    .prepare(
      `SELECT ${GROUP_COLUMNS}
        WHERE e.path > ? AND e.path < ? AND instr(substr(e.path, ?), '/') = 0`,
    )
    .raw(true);
  const inRoot = db.prepare(`SELECT ${GROUP_COLUMNS} WHERE instr(e.path, '/') = 0`).raw(true);
  const update = db.prepare('UPDATE entries SET group_id = ?, role = ? WHERE path = ?');
  let changed = 0;
  db.transaction(() => {
    for (const folder of new Set(folders)) {
      // `/` + 1 is `0`: every path under `folder/`.
      const rows = (
        folder === '' ? inRoot.all() : inFolder.all(`${folder}/`, `${folder}0`, folder.length + 2)
      ) as [string, string, string | null, string | null, unknown][];
      // The document comes from a snapshot, so the identifier is checked again as it is read.
      const groups = computeGroups(
        rows.map(([path, kind, , , id]) => ({ path, kind, contentId: contentIdentifier(id) })),
      );
      for (const [path, , groupId, role] of rows) {
        const membership = groups.get(path);
        const wanted = membership ? [membership.group, membership.role] : [null, null];
        if (groupId === wanted[0] && role === wanted[1]) continue;
        update.run(wanted[0], wanted[1], path);
        changed++;
      }
    }
  })();
  return changed;
}

/** Regroups every folder of the catalog: after an upgrade from a schema without groups. */
export function regroupAll(db: Database.Database): number {
  const folders = new Set<string>();
  for (const path of db.prepare('SELECT path FROM entries').pluck().iterate() as Iterable<string>)
    folders.add(folderOf(path));
  return regroupFolders(db, folders);
}

/**
 * Regroups the folders of the paths this session wrote, removed or moved (the temp table
 * `session_paths`, see rebase.ts): after a scan is applied, or replayed onto a newer snapshot.
 */
export function regroupSessionFolders(db: Database.Database): number {
  const folders = new Set<string>();
  const rows = db.prepare('SELECT path, from_path FROM temp.session_paths').raw(true).iterate();
  for (const [path, from] of rows as Iterable<[string, string | null]>) {
    folders.add(folderOf(path));
    if (from !== null) folders.add(folderOf(from));
  }
  return regroupFolders(db, folders);
}
