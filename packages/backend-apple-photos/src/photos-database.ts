import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { PhotolalaError } from '@photolala/core/backend';
import Database from 'better-sqlite3';

export const BACKEND = 'apple-photos';

/** Seconds from the Unix epoch to Core Data's reference date, 2001-01-01T00:00:00Z. */
export const CORE_DATA_EPOCH_OFFSET = 978307200;

export interface PhotosAsset {
  uuid: string;
  directory: string | null;
  filename: string | null;
  /** Seconds since 2001-01-01 UTC. */
  dateCreated: number | null;
  width: number | null;
  height: number | null;
  orientation: number | null;
  /** 0 photo, 1 video. */
  kind: number | null;
  favorite: boolean;
  hidden: boolean;
  trashed: boolean;
  latitude: number | null;
  longitude: number | null;
  uniformTypeIdentifier: string | null;
  originalFilename: string | null;
  originalFileSize: number | null;
  /** Seconds east of UTC. */
  timezoneOffset: number | null;
  timezoneName: string | null;
  /** From ZINTERNALRESOURCE: 1 when the original is on disk; null when the library says nothing. */
  localAvailability: number | null;
  /** 10 marks a referenced file, imported without copying into the library. */
  savedAssetType: number | null;
}

export interface PhotosLibrary {
  /** 5 for Photos 5 (macOS 10.15, `ZGENERICASSET`), 6 for Photos 6 and later (`ZASSET`). */
  schemaGeneration: 5 | 6;
  assetTable: 'ZASSET' | 'ZGENERICASSET';
  /** Z_METADATA's model version, when present. */
  modelVersion: number | null;
  assets: PhotosAsset[];
}

const bad = (message: string, cause?: unknown) =>
  new PhotolalaError('CORRUPT', `not a readable Photos library database: ${message}`, {
    backend: BACKEND,
    cause,
  });

/**
 * Reads the assets of `{library}/database/Photos.sqlite` without touching the library: the database
 * and its WAL are copied to a private folder and opened there, so a running Photos app keeps its
 * locks and its WAL, and changes still in the WAL are seen.
 */
export function readPhotosLibrary(libraryDir: string): PhotosLibrary {
  const databaseDir = nodePath.join(libraryDir, 'database');
  const main = nodePath.join(databaseDir, 'Photos.sqlite');
  if (!existsSync(main)) {
    throw new PhotolalaError('NOT_FOUND', `no database/Photos.sqlite in ${libraryDir}`, {
      backend: BACKEND,
      path: libraryDir,
    });
  }
  const work = mkdtempSync(nodePath.join(tmpdir(), 'photolala-photos-db-'));
  try {
    const copy = nodePath.join(work, 'Photos.sqlite');
    copyFileSync(main, copy);
    if (existsSync(`${main}-wal`)) copyFileSync(`${main}-wal`, `${copy}-wal`);
    let db: Database.Database;
    try {
      db = new Database(copy, { fileMustExist: true });
    } catch (cause) {
      throw bad((cause as Error).message, cause);
    }
    try {
      db.pragma('trusted_schema = OFF');
      return readAssets(db);
    } catch (cause) {
      if (cause instanceof PhotolalaError) throw cause;
      throw bad((cause as Error).message, cause);
    } finally {
      db.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function readAssets(db: Database.Database): PhotosLibrary {
  const tables = new Set(
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]).map((n) =>
      n.toUpperCase(),
    ),
  );
  if (!tables.has('Z_PRIMARYKEY')) throw bad('no Z_PRIMARYKEY table (not a Core Data store)');
  const entities = new Set(
    (db.prepare('SELECT Z_NAME FROM Z_PRIMARYKEY').pluck().all() as string[]).map(String),
  );
  // Photos 6 renamed the GenericAsset entity (table ZGENERICASSET) to Asset (table ZASSET).
  let assetTable: PhotosLibrary['assetTable'];
  if (entities.has('Asset') && tables.has('ZASSET')) assetTable = 'ZASSET';
  else if (entities.has('GenericAsset') && tables.has('ZGENERICASSET')) assetTable = 'ZGENERICASSET';
  else throw bad(`no asset entity in Z_PRIMARYKEY (${[...entities].slice(0, 8).join(', ')})`);
  let modelVersion: number | null = null;
  if (tables.has('Z_METADATA')) {
    const version = db.prepare('SELECT Z_VERSION FROM Z_METADATA LIMIT 1').pluck().get();
    modelVersion = typeof version === 'number' ? version : null;
  }

  const columnsOf = (table: string) =>
    new Set(
      (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).map((c) =>
        c.toUpperCase(),
      ),
    );
  const assetColumns = columnsOf(assetTable);
  const col = (name: string, alias = name) =>
    assetColumns.has(name) ? `a.${name} AS ${alias}` : `NULL AS ${alias}`;
  const attributesJoin = tables.has('ZADDITIONALASSETATTRIBUTES');
  const attrColumns = attributesJoin ? columnsOf('ZADDITIONALASSETATTRIBUTES') : new Set<string>();
  const attr = (name: string) => (attrColumns.has(name) ? `aa.${name} AS ${name}` : `NULL AS ${name}`);
  const resources =
    tables.has('ZINTERNALRESOURCE') && columnsOf('ZINTERNALRESOURCE').has('ZLOCALAVAILABILITY');
  const sql = `SELECT ${[
    col('ZUUID'),
    col('ZDIRECTORY'),
    col('ZFILENAME'),
    col('ZDATECREATED'),
    col('ZWIDTH'),
    col('ZHEIGHT'),
    col('ZORIENTATION'),
    col('ZKIND'),
    col('ZFAVORITE'),
    col('ZHIDDEN'),
    col('ZTRASHEDSTATE'),
    col('ZLATITUDE'),
    col('ZLONGITUDE'),
    col('ZUNIFORMTYPEIDENTIFIER'),
    col('ZSAVEDASSETTYPE'),
    attr('ZORIGINALFILENAME'),
    attr('ZORIGINALFILESIZE'),
    attr('ZTIMEZONEOFFSET'),
    attr('ZTIMEZONENAME'),
    resources
      ? '(SELECT MAX(r.ZLOCALAVAILABILITY) FROM ZINTERNALRESOURCE r WHERE r.ZASSET = a.Z_PK) AS LOCAL'
      : 'NULL AS LOCAL',
  ].join(
    ', ',
  )} FROM ${assetTable} a ${attributesJoin ? 'LEFT JOIN ZADDITIONALASSETATTRIBUTES aa ON aa.ZASSET = a.Z_PK' : ''} ORDER BY a.Z_PK`;

  const num = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : null;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const assets = (db.prepare(sql).all() as Record<string, unknown>[]).map(
    (r): PhotosAsset => ({
      uuid: str(r.ZUUID) ?? '',
      directory: str(r.ZDIRECTORY),
      filename: str(r.ZFILENAME),
      dateCreated: num(r.ZDATECREATED),
      width: num(r.ZWIDTH),
      height: num(r.ZHEIGHT),
      orientation: num(r.ZORIENTATION),
      kind: num(r.ZKIND),
      favorite: num(r.ZFAVORITE) === 1,
      hidden: num(r.ZHIDDEN) === 1,
      trashed: num(r.ZTRASHEDSTATE) === 1,
      latitude: num(r.ZLATITUDE),
      longitude: num(r.ZLONGITUDE),
      uniformTypeIdentifier: str(r.ZUNIFORMTYPEIDENTIFIER),
      originalFilename: str(r.ZORIGINALFILENAME),
      originalFileSize: num(r.ZORIGINALFILESIZE),
      timezoneOffset: num(r.ZTIMEZONEOFFSET),
      timezoneName: str(r.ZTIMEZONENAME),
      localAvailability: num(r.LOCAL),
      savedAssetType: num(r.ZSAVEDASSETTYPE),
    }),
  );
  return { schemaGeneration: assetTable === 'ZASSET' ? 6 : 5, assetTable, modelVersion, assets };
}

/**
 * ISO 8601 local time with offset, from Core Data seconds and the asset's time-zone offset, in the
 * one form capture dates take (see core's taken-at.ts): without a known offset, UTC as `+00:00`, with
 * its milliseconds only when they are not zero (`2001-01-01T00:00:00+00:00`, not `.000Z`).
 */
export function libraryTakenAt(
  dateCreated: number | null,
  timezoneOffset: number | null,
): string | undefined {
  if (dateCreated === null) return undefined;
  const unixMs = (dateCreated + CORE_DATA_EPOCH_OFFSET) * 1000;
  if (!Number.isFinite(unixMs)) return undefined;
  if (timezoneOffset === null || Math.abs(timezoneOffset) > 18 * 3600) {
    const utc = new Date(unixMs).toISOString();
    const millis = utc.slice(19, 23);
    return `${utc.slice(0, 19)}${millis === '.000' ? '' : millis}+00:00`;
  }
  const local = new Date(unixMs + timezoneOffset * 1000).toISOString().slice(0, 19);
  const sign = timezoneOffset < 0 ? '-' : '+';
  const abs = Math.abs(timezoneOffset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}
