import type Database from 'better-sqlite3';
import { readUnlisted, type UnlistedFile } from '../catalog/unlisted.js';
import { isMd5 } from '../digest/identity.js';
import { PERCEPTUAL_HASH } from './perceptual-hash.js';

/**
 * A catalog's photos as three parallel columns, in path order: what comparing catalogs needs of each
 * entry, and no more. `unchecked` counts the images without a photo-md5 (their digest failed), which
 * no comparison can place, and `unlisted` names the files that have no entry at all.
 */
export interface PhotoColumns {
  paths: string[];
  photoMd5s: string[];
  sizes: number[];
  unchecked: { count: number; bytes: number; paths: string[] };
  /** Files and folders the last scan saw but could not catalog (see unlisted.ts), with the reason. */
  unlisted: UnlistedFile[];
}

/** Columns already read, per connection, with the state of the database they were read at. */
const readColumns = new WeakMap<Database.Database, { stamp: string; columns: PhotoColumns }>();

/**
 * The photo columns of a catalog's database, read once for as long as it does not change: comparing
 * and finding duplicates over the same catalogs read them again otherwise. The stamp joins this
 * connection's own changes (`total_changes()`) and other connections' (`data_version`). The columns
 * returned are shared: callers must not change them.
 */
export function readPhotoColumns(db: Database.Database): PhotoColumns {
  const stamp = `${db.prepare('SELECT total_changes()').pluck().get()}:${db.pragma('data_version', { simple: true })}`;
  const known = readColumns.get(db);
  if (known?.stamp === stamp) return known.columns;
  const columns = readPhotoColumnsNow(db);
  readColumns.set(db, { stamp, columns });
  return columns;
}

/**
 * One JSON array per column, built by SQLite and parsed by V8: for whole columns that is cheaper than
 * better-sqlite3 building a row at a time (see bulk-read.ts).
 */
function readPhotoColumnsNow(db: Database.Database): PhotoColumns {
  const [paths, md5s, sizes] = db
    .prepare(
      `SELECT json_group_array(path), json_group_array(photo_md5), json_group_array(size)
       FROM (SELECT path, photo_md5, size FROM entries WHERE photo_md5 IS NOT NULL ORDER BY path)`,
    )
    .raw(true)
    .get() as [string, string, string];
  const unchecked = db
    .prepare(`SELECT path, size FROM entries WHERE photo_md5 IS NULL AND kind != 'other' ORDER BY path`)
    .all() as { path: string; size: number }[];
  const columns: PhotoColumns = {
    paths: JSON.parse(paths) as string[],
    photoMd5s: JSON.parse(md5s) as string[],
    sizes: JSON.parse(sizes) as number[],
    unchecked: {
      count: unchecked.length,
      bytes: unchecked.reduce((sum, u) => sum + u.size, 0),
      paths: unchecked.map((u) => u.path),
    },
    unlisted: readUnlisted(db),
  };
  // A snapshot is untrusted input: a row whose photo-md5 is not one cannot be matched to anything.
  // Testing the parsed column here costs a third of a GLOB over the table in SQLite.
  return columns.photoMd5s.every(isMd5) ? columns : dropMalformed(columns);
}

function dropMalformed(columns: PhotoColumns): PhotoColumns {
  const kept: PhotoColumns = {
    paths: [],
    photoMd5s: [],
    sizes: [],
    unchecked: { ...columns.unchecked, paths: [...columns.unchecked.paths] },
    unlisted: columns.unlisted,
  };
  for (let i = 0; i < columns.photoMd5s.length; i++) {
    if (!isMd5(columns.photoMd5s[i])) {
      kept.unchecked.count++;
      kept.unchecked.bytes += columns.sizes[i] ?? 0;
      kept.unchecked.paths.push(columns.paths[i]!);
      continue;
    }
    kept.paths.push(columns.paths[i]!);
    kept.photoMd5s.push(columns.photoMd5s[i]!);
    kept.sizes.push(columns.sizes[i]!);
  }
  return kept;
}

/** The perceptual hash each photo-md5's metadata document holds, where it holds a well-formed one. */
export function readPerceptualHashes(db: Database.Database): Map<string, string> {
  const rows = db
    .prepare(
      `SELECT photo_md5, json_extract(document, '$.perceptualHash') FROM metadata WHERE json_valid(document)`,
    )
    .raw(true)
    .all() as [string, unknown][];
  const hashes = new Map<string, string>();
  for (const [md5, hash] of rows)
    if (typeof hash === 'string' && PERCEPTUAL_HASH.test(hash)) hashes.set(md5, hash);
  return hashes;
}

/** Adds perceptual hashes to the documents of these photo-md5s; returns how many documents changed. */
export function writePerceptualHashes(db: Database.Database, hashes: Map<string, string>): number {
  const update = db.prepare(
    `UPDATE metadata SET document = json_set(document, '$.perceptualHash', ?) WHERE photo_md5 = ? AND json_valid(document)`,
  );
  let changed = 0;
  db.transaction(() => {
    for (const [md5, hash] of hashes) changed += update.run(hash, md5).changes;
  })();
  return changed;
}
