import type Database from 'better-sqlite3';
import { contentIdentifier } from '../digest/content-identifier.js';
import { computeGroups, folderOf, type GroupInput } from './groups.js';

type GroupRow = [path: string, kind: string, groupId: string | null, role: string | null, md5: string | null];

/** The Live Photo identifier a metadata document records (see groups.ts); only a document naming it is parsed. */
const IDENTIFIER_OF = `SELECT CASE WHEN instr(document, '"contentIdentifier"') > 0 AND json_valid(document)
    THEN json_extract(document, '$.contentIdentifier') END FROM metadata WHERE photo_md5 = ?`;
const PHOTO_KINDS: ReadonlySet<string> = new Set(['heic', 'jpeg']);

/**
 * The group inputs of one folder's rows, with the Live Photo identifiers pairing by identifier can use
 * (see pairByIdentifier in groups.ts): those of its movies in no group by name and, when one of them
 * has one, those of its photos without a movie. Most folders hold no such movie, so most documents are
 * never looked at: reading every row's document made regrouping 100k photos about five times slower.
 * Identifiers no pairing would use change nothing, so the groups are those of every identifier. The
 * document comes from a snapshot, so the identifier is checked again as it is read.
 */
function groupInputs(rows: GroupRow[], identifierOf: Database.Statement): GroupInput[] {
  const inputs: GroupInput[] = rows.map(([path, kind]) => ({ path, kind }));
  if (!rows.some(([, kind, , , md5]) => kind === 'video' && md5 !== null)) return inputs;
  const byName = computeGroups(inputs);
  const withMotion = new Set<string>();
  for (const { group, role } of byName.values()) if (role === 'motion') withMotion.add(group);
  const lookUp = (wanted: (kind: string, path: string) => boolean) => {
    let found = false;
    rows.forEach(([path, kind, , , md5], i) => {
      if (md5 === null || !wanted(kind, path)) return;
      const id = contentIdentifier(identifierOf.get(md5));
      if (id === undefined) return;
      inputs[i]!.contentId = id;
      found = true;
    });
    return found;
  };
  const alone = (kind: string, path: string) => kind === 'video' && !byName.has(path);
  const withoutMovie = (kind: string, path: string) => {
    const membership = byName.get(path);
    return (
      PHOTO_KINDS.has(kind) &&
      (membership === undefined || (membership.role === 'primary' && !withMotion.has(membership.group)))
    );
  };
  if (lookUp(alone)) lookUp(withoutMovie);
  return inputs;
}

/**
 * Sets `group_id` and `role` of the entries in `folders` (relative paths, `''` for the root) from
 * `computeGroups`, writing only rows whose group changed. A group never spans folders, so a scan
 * regroups the folders it touched and nothing else. Returns how many rows changed.
 */
export function regroupFolders(db: Database.Database, folders: Iterable<string>): number {
  const columns = 'path, kind, group_id, role, photo_md5';
  // Direct children only: a range of the primary key, then no further slash after the folder's own.
  const inFolder = db
    .prepare(`SELECT ${columns} FROM entries WHERE path > ? AND path < ? AND instr(substr(path, ?), '/') = 0`)
    .raw(true);
  const inRoot = db.prepare(`SELECT ${columns} FROM entries WHERE instr(path, '/') = 0`).raw(true);
  const identifierOf = db.prepare(IDENTIFIER_OF).pluck();
  const update = db.prepare('UPDATE entries SET group_id = ?, role = ? WHERE path = ?');
  let changed = 0;
  db.transaction(() => {
    for (const folder of new Set(folders)) {
      // `/` + 1 is `0`: every path under `folder/`.
      const rows = (
        folder === '' ? inRoot.all() : inFolder.all(`${folder}/`, `${folder}0`, folder.length + 2)
      ) as GroupRow[];
      const groups = computeGroups(groupInputs(rows, identifierOf));
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
