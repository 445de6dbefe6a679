import type Database from 'better-sqlite3';
import { type MetadataDocument, metadataDocumentSchema } from '../digest/metadata.js';
import { MAX_SIDECAR_BYTES, readXmpSidecar, type XmpFacts } from '../digest/xmp.js';
import { describeError, PhotolalaError } from '../source/errors.js';
import type { RootSource, SourceEntry } from '../source/root-source.js';
import { storedDocument } from './stored-document.js';

/**
 * XMP sidecars: `IMG_1234.xmp` (Adobe: beside every file of that base name, so a RAW+JPEG pair shares
 * one) and `IMG_1234.CR2.xmp` (darktable: beside the one file it names, and preferred when both are
 * there). A sidecar is not an entry: the scan lists it here instead, and each photo's row records the
 * sidecar it has (`sidecar`, JSON: the file, its stamp and its facts). A sidecar added, changed or
 * removed changes its photo's rating, keywords and capture date on the next scan without the photo
 * being read again; the values a sidecar gives win over the photo's own (see `overlaySidecar`).
 */

/** A sidecar as the listing found it. */
export interface SidecarFile {
  path: string;
  size: number;
  mtimeMs: number;
  etag?: string;
}

/** What a row's `sidecar` column holds. */
interface StoredSidecar {
  file: string;
  /** Path, size and ETag or mtime: a different stamp is a different sidecar. */
  stamp: string;
  facts: XmpFacts | null;
}

/** Whether a listed file is an XMP sidecar (`.xmp`, any case), which the catalog does not list. */
export function isSidecarPath(path: string): boolean {
  // By code units rather than a lower-cased slice: every listed file passes here.
  const n = path.length;
  return (
    n > 4 &&
    path.charCodeAt(n - 4) === 0x2e &&
    (path.charCodeAt(n - 3) | 0x20) === 0x78 &&
    (path.charCodeAt(n - 2) | 0x20) === 0x6d &&
    (path.charCodeAt(n - 1) | 0x20) === 0x70
  );
}

/**
 * Takes out the entries a catalog made before sidecars existed (schema 3 and older) gave `.xmp` files:
 * a sidecar is no entry, and the next scan attaches it to its photo, which it then reports changed.
 * Returns how many were taken out; the caller rebuilds the listing when any were.
 */
export function dropSidecarEntries(db: Database.Database): number {
  return db.prepare(`DELETE FROM entries WHERE length(path) > 4 AND lower(substr(path, -4)) = '.xmp'`).run()
    .changes;
}

export function sidecarFile(entry: SourceEntry): SidecarFile {
  return {
    path: entry.path,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    ...(entry.etag !== undefined ? { etag: entry.etag } : {}),
  };
}

const stampOf = (file: SidecarFile) => `${file.path}\t${file.size}\t${file.etag ?? file.mtimeMs}`;

/** The name without `.xmp`: a photo's path (darktable) or its folder and base name (Adobe). */
const keyOf = (sidecarPath: string) => sidecarPath.slice(0, -4);

function stemOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(0, dot) : path;
}

function parseStored(text: unknown): StoredSidecar | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text) as StoredSidecar;
    return typeof value?.stamp === 'string' && typeof value.file === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

interface SidecarRow {
  path: string;
  photo_md5: string;
  taken_at: string | null;
  sidecar: string | null;
}

/**
 * The rows whose sidecar may have changed: those that have one, those each new or changed sidecar may
 * belong to, and with `written` the files this scan wrote.
 */
function sidecarRows(
  db: Database.Database,
  byKey: Map<string, SidecarFile>,
  written: boolean,
): Map<string, SidecarRow> {
  const rows = new Map<string, SidecarRow>();
  const columns = 'path, photo_md5, taken_at, sidecar';
  const photo = `photo_md5 IS NOT NULL AND status = 'ok'`;
  // `+photo_md5`: the photo-md5 index would be picked and walk every photo; the partial index on
  // `sidecar` (see schema.ts) holds just the rows that have one.
  const stored = db.prepare(
    `SELECT ${columns} FROM entries WHERE sidecar IS NOT NULL AND +photo_md5 IS NOT NULL AND status = 'ok'`,
  );
  for (const row of stored.all() as SidecarRow[]) rows.set(row.path, row);
  // The photos each new or changed sidecar may belong to, found by key rather than by folder: an
  // unchanged rescan of a library with a sidecar per photo looks up nothing more. darktable's sidecar
  // names its photo's path; Adobe's its base name, so `IMG_1.` up to `IMG_1/` (`.` + 1) holds its
  // photos. Files this scan wrote (in session_paths, see rebase.ts) are looked at whatever the stamp.
  const byPath = db.prepare(`SELECT ${columns} FROM entries WHERE path = ? AND ${photo}`);
  const byStem = db.prepare(`SELECT ${columns} FROM entries WHERE path > ? AND path < ? AND ${photo}`);
  const storedStamps = new Set([...rows.values()].map((row) => parseStored(row.sidecar)?.stamp));
  for (const [key, file] of byKey) {
    if (storedStamps.has(stampOf(file))) continue;
    const exact = byPath.get(key) as SidecarRow | undefined;
    if (exact) rows.set(exact.path, exact);
    for (const row of byStem.all(`${key}.`, `${key}/`) as SidecarRow[]) rows.set(row.path, row);
  }
  if (written && byKey.size > 0) {
    const paths = db.prepare('SELECT path FROM temp.session_paths WHERE deleted = 0').pluck().all();
    for (const path of paths as string[]) {
      const row = byPath.get(path) as SidecarRow | undefined;
      if (row) rows.set(path, row);
    }
  }
  return rows;
}

/**
 * The photos whose sidecar was added, changed or removed since their row was written, found from the
 * listing alone (nothing read, nothing written): what `status` reports as changed on that account.
 */
export function staleSidecars(db: Database.Database, sidecars: readonly SidecarFile[]): string[] {
  const byKey = new Map(sidecars.map((file) => [keyOf(file.path), file]));
  const stale: string[] = [];
  for (const row of sidecarRows(db, byKey, false).values()) {
    const file = byKey.get(row.path) ?? byKey.get(stemOf(row.path));
    if ((file ? stampOf(file) : undefined) !== parseStored(row.sidecar)?.stamp) stale.push(row.path);
  }
  return stale.sort();
}

/**
 * Brings every photo's sidecar up to date after a scan's rows are in: a photo whose sidecar was added,
 * changed or removed since its row was written (or whose row was just written) gets the sidecar read
 * and its `taken_at`, `rating` and `keywords` set from the sidecar over its metadata document. Returns
 * the paths of the photos changed, and the sidecars that could not be read.
 */
export async function applySidecars(
  db: Database.Database,
  source: RootSource,
  sidecars: readonly SidecarFile[],
): Promise<{ changed: string[]; failed: { path: string; reason: string }[] }> {
  const byKey = new Map(sidecars.map((file) => [keyOf(file.path), file]));

  const rows = sidecarRows(db, byKey, true);
  const documentOf = db.prepare('SELECT document FROM metadata WHERE photo_md5 = ?').pluck();
  const update = db.prepare(
    'UPDATE entries SET taken_at = ?, rating = ?, keywords = ?, sidecar = ? WHERE path = ?',
  );
  const changed: string[] = [];
  const failed: { path: string; reason: string }[] = [];
  /** Facts by sidecar path; `failed` for one that could not be read, tried again next scan. */
  const readFacts = new Map<string, Promise<XmpFacts | null | 'failed'>>();
  for (const row of rows.values()) {
    // darktable's name for this very file first, then Adobe's for its base name.
    const file = byKey.get(row.path) ?? byKey.get(stemOf(row.path));
    const stored = parseStored(row.sidecar);
    if ((file ? stampOf(file) : undefined) === stored?.stamp) continue;
    let facts: XmpFacts | null = null;
    if (file) {
      // A RAW+JPEG pair shares an Adobe sidecar: read once.
      let reading = readFacts.get(file.path);
      if (!reading) {
        reading = readSidecar(source, file).catch((error: unknown) => {
          failed.push({ path: file.path, reason: describeError(error) });
          return 'failed' as const;
        });
        readFacts.set(file.path, reading);
      }
      const read = await reading;
      // The row keeps what it had; with its old stamp, the next scan reads the sidecar again.
      if (read === 'failed') continue;
      facts = read;
    }
    const document = metadataDocumentSchema.safeParse(
      storedDocument(documentOf.get(row.photo_md5), row.photo_md5),
    ).data;
    const keywords = facts?.keywords.length ? facts.keywords : (document?.keywords ?? []);
    update.run(
      facts?.takenAt ?? (document ? document.takenAt : row.taken_at),
      facts?.rating ?? document?.rating ?? null,
      keywords.length > 0 ? keywords.join('\n') : null,
      file ? JSON.stringify({ file: file.path, stamp: stampOf(file), facts } satisfies StoredSidecar) : null,
      row.path,
    );
    changed.push(row.path);
  }
  return { changed: changed.sort(), failed };
}

/**
 * Of the photos whose sidecar changed, those a scan reports as changed on that account alone (not
 * added, moved or already changed), each recorded as a path of this session (see rebase.ts).
 */
export function sidecarChanges(
  summary: { added: string[]; changed: string[]; moved: { to: string }[] },
  paths: string[],
  db: Database.Database,
): string[] {
  const counted = new Set([...summary.added, ...summary.changed, ...summary.moved.map((m) => m.to)]);
  const mark = db.prepare(
    'INSERT OR REPLACE INTO temp.session_paths (path, from_path, deleted) VALUES (?, NULL, 0)',
  );
  for (const path of paths) mark.run(path);
  return paths.filter((path) => !counted.has(path));
}

async function readSidecar(source: RootSource, file: SidecarFile): Promise<XmpFacts | null> {
  if (file.size > MAX_SIDECAR_BYTES)
    throw new PhotolalaError(
      'UNSUPPORTED',
      `a sidecar of ${file.size} bytes is larger than the ${MAX_SIDECAR_BYTES} read`,
      { backend: source.backend, path: file.path },
    );
  const bytes = await source.readHead(file.path, file.size);
  return (await readXmpSidecar(bytes)) ?? null;
}

/**
 * An entry's metadata document with its sidecar's values over the photo's own (stored in the row's
 * `sidecar` column by applySidecars): `sidecar` names the file and `sources` the values it gave.
 */
export function overlaySidecar(
  db: Database.Database,
  path: string,
  document: MetadataDocument,
): MetadataDocument {
  const stored = parseStored(db.prepare('SELECT sidecar FROM entries WHERE path = ?').pluck().get(path));
  const facts = stored?.facts;
  if (!stored || !facts) return document;
  const merged: MetadataDocument = { ...document, sidecar: stored.file, sources: {} };
  const sources = merged.sources!;
  if (facts.takenAt) {
    merged.takenAt = facts.takenAt;
    merged.takenAtSource = 'XMPSidecar';
    sources.takenAt = 'sidecar';
  }
  for (const key of ['rating', 'label', 'title', 'description'] as const) {
    const value = facts[key];
    if (value === null || value === undefined) continue;
    (merged as Record<string, unknown>)[key] = value;
    sources[key] = 'sidecar';
  }
  if (facts.keywords.length > 0) {
    merged.keywords = facts.keywords;
    sources.keywords = 'sidecar';
  }
  if (facts.gps) {
    merged.gps = { ...facts.gps, altitude: document.gps?.altitude ?? null };
    sources.gps = 'sidecar';
  }
  const checked = metadataDocumentSchema.safeParse(merged);
  return checked.success ? checked.data : document;
}
