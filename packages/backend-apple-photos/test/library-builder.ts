import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** One asset row of a fixture library; `file: null` leaves the original out of the bundle. */
export interface FixtureAsset {
  uuid: string;
  directory: string;
  ext: string;
  file: Buffer | null;
  kind?: 0 | 1;
  favorite?: boolean;
  hidden?: boolean;
  trashed?: boolean;
  latitude?: number;
  longitude?: number;
  /** Seconds since 2001-01-01 UTC. */
  dateCreated?: number;
  timezoneOffset?: number;
  timezoneName?: string;
  originalFilename?: string;
  /** ZLOCALAVAILABILITY of its resource: 1 on disk, -32768 only in iCloud. */
  local?: number;
  /** ZSAVEDASSETTYPE: 3 imported, 10 referenced. */
  savedAssetType?: number;
  uti?: string;
}

/**
 * Writes a `.photoslibrary` bundle with a Core Data `Photos.sqlite` of the given generation (5:
 * `ZGENERICASSET`, 6+: `ZASSET`), real table and column names, and the originals. Returns the open
 * database when `holdOpen` is set, in WAL mode with checkpoints off, like a running Photos app.
 */
export function buildLibrary(
  parent: string,
  generation: 5 | 8,
  assets: FixtureAsset[],
  options: { holdOpen?: boolean } = {},
): {
  bundle: string;
  db: Database.Database | undefined;
  addAsset(asset: FixtureAsset): void;
  trash(uuid: string): void;
} {
  const bundle = path.join(parent, `Photos Library ${generation}.photoslibrary`);
  mkdirSync(path.join(bundle, 'database'), { recursive: true });
  const table = generation === 5 ? 'ZGENERICASSET' : 'ZASSET';
  const db = new Database(path.join(bundle, 'database', 'Photos.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec(`
    CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
    CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
    CREATE TABLE ${table} (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZUUID VARCHAR, ZDIRECTORY VARCHAR,
      ZFILENAME VARCHAR, ZDATECREATED TIMESTAMP, ZWIDTH INTEGER, ZHEIGHT INTEGER, ZORIENTATION INTEGER, ZKIND INTEGER,
      ZFAVORITE INTEGER, ZHIDDEN INTEGER, ZTRASHEDSTATE INTEGER, ZLATITUDE FLOAT, ZLONGITUDE FLOAT,
      ZUNIFORMTYPEIDENTIFIER VARCHAR, ZSAVEDASSETTYPE INTEGER);
    CREATE TABLE ZADDITIONALASSETATTRIBUTES (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZASSET INTEGER,
      ZORIGINALFILENAME VARCHAR, ZORIGINALFILESIZE INTEGER, ZTIMEZONEOFFSET INTEGER, ZTIMEZONENAME VARCHAR);
    CREATE TABLE ZINTERNALRESOURCE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZASSET INTEGER,
      ZLOCALAVAILABILITY INTEGER, ZDATASTORESUBTYPE INTEGER, ZRESOURCETYPE INTEGER);
  `);
  db.prepare('INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, 0)').run(
    1,
    generation === 5 ? 'GenericAsset' : 'Asset',
  );
  db.prepare('INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, 0)').run(2, 'AdditionalAssetAttributes');
  db.prepare('INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, 0)').run(3, 'InternalResource');
  db.prepare('INSERT INTO Z_METADATA VALUES (?, ?, NULL)').run(
    generation === 5 ? 13000 : 16000,
    'F1A2B3C4-0000-0000-0000-000000000000',
  );
  const insertAsset = db.prepare(
    `INSERT INTO ${table} (Z_ENT, Z_OPT, ZUUID, ZDIRECTORY, ZFILENAME, ZDATECREATED, ZWIDTH, ZHEIGHT, ZORIENTATION, ZKIND,
      ZFAVORITE, ZHIDDEN, ZTRASHEDSTATE, ZLATITUDE, ZLONGITUDE, ZUNIFORMTYPEIDENTIFIER, ZSAVEDASSETTYPE)
     VALUES (1, 1, @uuid, @directory, @filename, @dateCreated, 0, 0, 1, @kind, @favorite, @hidden, @trashed, @latitude, @longitude, @uti, @saved)`,
  );
  const insertAttributes = db.prepare(
    'INSERT INTO ZADDITIONALASSETATTRIBUTES (Z_ENT, Z_OPT, ZASSET, ZORIGINALFILENAME, ZORIGINALFILESIZE, ZTIMEZONEOFFSET, ZTIMEZONENAME) VALUES (2, 1, ?, ?, ?, ?, ?)',
  );
  const insertResource = db.prepare(
    'INSERT INTO ZINTERNALRESOURCE (Z_ENT, Z_OPT, ZASSET, ZLOCALAVAILABILITY, ZDATASTORESUBTYPE, ZRESOURCETYPE) VALUES (3, 1, ?, ?, 1, 0)',
  );
  const addAsset = (asset: FixtureAsset) => {
    const filename = `${asset.uuid}.${asset.ext}`;
    const info = insertAsset.run({
      uuid: asset.uuid,
      directory: asset.directory,
      filename,
      dateCreated: asset.dateCreated ?? null,
      kind: asset.kind ?? 0,
      favorite: asset.favorite ? 1 : 0,
      hidden: asset.hidden ? 1 : 0,
      trashed: asset.trashed ? 1 : 0,
      latitude: asset.latitude ?? -180,
      longitude: asset.longitude ?? -180,
      uti: asset.uti ?? 'public.jpeg',
      saved: asset.savedAssetType ?? 3,
    });
    insertAttributes.run(
      info.lastInsertRowid,
      asset.originalFilename ?? `IMG_${asset.uuid.slice(0, 4)}.${asset.ext.toUpperCase()}`,
      asset.file?.length ?? 0,
      asset.timezoneOffset ?? null,
      asset.timezoneName ?? null,
    );
    insertResource.run(info.lastInsertRowid, asset.local ?? 1);
    if (asset.file) {
      mkdirSync(path.join(bundle, 'originals', asset.directory), { recursive: true });
      writeFileSync(path.join(bundle, 'originals', asset.directory, filename), asset.file);
    }
  };
  for (const asset of assets) addAsset(asset);
  const trash = (uuid: string) => {
    db.prepare(`UPDATE ${table} SET ZTRASHEDSTATE = 1 WHERE ZUUID = ?`).run(uuid);
  };
  if (!options.holdOpen) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return { bundle, db: undefined, addAsset: () => {}, trash: () => {} };
  }
  return { bundle, db, addAsset, trash };
}

/**
 * A library holding `files` as originals, for the conformance suite: each top-level folder of the
 * given paths becomes one `originals/{digit}` folder (so a filter that rejects it rejects all its
 * files), and each file an asset named by a UUID made from its index, keeping its extension.
 * `pathOf` says where each given path is listed.
 */
export function conformanceLibrary(
  parent: string,
  files: { path: string; data: Uint8Array }[],
): { bundle: string; pathOf: (path: string) => string } {
  const folders = new Map<string, string>();
  const paths = new Map<string, string>();
  const assets = files.map((file, index): FixtureAsset => {
    const top = file.path.includes('/') ? file.path.slice(0, file.path.indexOf('/')) : '';
    if (!folders.has(top)) folders.set(top, folders.size.toString(16).toUpperCase());
    const directory = folders.get(top)!;
    const uuid = `${index.toString(16).padStart(8, '0').toUpperCase()}-1111-4111-8111-111111111111`;
    const ext = /\.([A-Za-z0-9]{1,10})$/.exec(file.path)?.[1] ?? 'bin';
    paths.set(file.path, `originals/${directory}/${uuid}.${ext}`);
    return { uuid, directory, ext, file: Buffer.from(file.data) };
  });
  const { bundle } = buildLibrary(parent, 8, assets);
  return {
    bundle,
    pathOf: (path) => {
      const listed = paths.get(path);
      if (!listed) throw new Error(`no asset was made for ${path}`);
      return listed;
    },
  };
}
