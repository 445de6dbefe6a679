import type { Readable } from 'node:stream';
import type { Catalog } from '../catalog/catalog.js';
import type { CatalogEntry } from '../catalog/entry-row.js';
import { POINTER_FILE, snapshotFileName } from '../catalog/pointer.js';
import { isApplePhotoId, isMd5 } from '../digest/identity.js';
import { extensionOf } from '../digest/metadata.js';
import { describeError, PhotolalaError } from '../source/errors.js';
import { readRegularFile } from '../source/regular-file.js';

/**
 * The few object-store operations cloud sync needs. A backend implements it for its store (see
 * `createS3CloudStore` in @photolala/backend-s3); keys are `/`-separated and already validated.
 */
export interface CloudObjectStore {
  /** e.g. `s3://bucket`, for reports. */
  readonly uri: string;
  /** Size of an object, or undefined when it does not exist. */
  head(key: string): Promise<{ size: number } | undefined>;
  /** Uploads an object; large streams are uploaded in parts. Visible only once complete. */
  put(
    key: string,
    body: Uint8Array | Readable,
    options: { contentType: string; size: number },
  ): Promise<void>;
  /** Deletes an object; a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** An object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Buffer | undefined>;
}

/** Object keys of the cloud layout (DESIGN.md section 3), for one user. */
export function cloudKeys(user: string) {
  if (!isApplePhotoId(user)) {
    throw new PhotolalaError('INVALID_ARGUMENT', `the user id must be a UUID, not ${JSON.stringify(user)}`, {
      backend: 'sync',
    });
  }
  const u = user.toLowerCase();
  return {
    photo: (md5: string, ext: string) => `photos/${u}/${md5}.${ext}`,
    thumbnail: (md5: string) => `thumbnails/${u}/${md5}.jpg`,
    catalogPrefix: `catalogs/${u}`,
    snapshot: (catalogMd5: string) => `catalogs/${u}/${snapshotFileName(catalogMd5)}`,
    pointer: `catalogs/${u}/${POINTER_FILE}`,
  };
}

const KIND_EXTENSION: Record<string, string> = { jpeg: 'jpg', tiff: 'tif' };
const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
  heif: 'image/heif',
  avif: 'image/avif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  webp: 'image/webp',
  gif: 'image/gif',
  dng: 'image/x-adobe-dng',
};

/** The original extension, lower case, when it is a plain one; else one derived from the kind. */
function photoExtension(entry: CatalogEntry): string {
  const ext = extensionOf(entry.path);
  if (/^[a-z0-9]{1,10}$/.test(ext)) return ext;
  return KIND_EXTENSION[entry.kind] ?? entry.kind;
}

/** What `syncStarsToCloud` sent, found already there, deleted and could not do. */
export interface SyncReport {
  uploaded: string[];
  /** Objects already present with the same size, not sent again. */
  alreadyPresent: string[];
  deleted: string[];
  failed: { key: string; reason: string }[];
  /** Star-queue rows marked done. */
  rowsDone: number;
  /** Where the catalog went, when everything before it succeeded. */
  catalog: { snapshot: string; pointer: string } | undefined;
}

/** Options of `syncStarsToCloud`: whose cloud layout, and progress over the star queue. */
export interface SyncOptions {
  user: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Replays a catalog's pending star queue into the cloud layout: a star uploads the photo (original
 * extension kept, skipped when present with the same size) and its thumbnail; an unstar deletes both.
 * Each row is marked done only after the store confirmed it, so an interrupted sync can simply be run
 * again. Then the catalog snapshot is uploaded, and its pointer last.
 */
export async function syncStarsToCloud(
  catalog: Catalog,
  store: CloudObjectStore,
  options: SyncOptions,
): Promise<SyncReport> {
  const keys = cloudKeys(options.user);
  const report: SyncReport = {
    uploaded: [],
    alreadyPresent: [],
    deleted: [],
    failed: [],
    rowsDone: 0,
    catalog: undefined,
  };
  const pending = catalog.starQueue().filter((row) => row.state === 'pending');
  let done = 0;
  for (const row of pending) {
    options.onProgress?.(done++, pending.length);
    const entry = (row.photoMd5 && catalog.get(row.photoMd5)) || catalog.get(row.path);
    const md5 = row.photoMd5 ?? entry?.photoMd5 ?? null;
    if (!isMd5(md5)) {
      report.failed.push({ key: row.path, reason: 'no photo-md5: not an image, or its digest failed' });
      continue;
    }
    const ext = entry ? photoExtension(entry) : extensionOf(row.path) || 'jpg';
    const photoKey = keys.photo(md5 as string, ext);
    const thumbKey = keys.thumbnail(md5 as string);
    const attempt = async (key: string, work: () => Promise<void>) => {
      try {
        await work();
        return true;
      } catch (error) {
        report.failed.push({ key, reason: describeError(error) });
        return false;
      }
    };
    let ok = true;
    if (row.operation === 'star') {
      if (!entry || entry.photoMd5 !== md5) {
        // The photo changed or went away since it was starred; nothing trustworthy to upload.
        report.failed.push({
          key: photoKey,
          reason: `${row.path} is no longer the starred photo; star it again`,
        });
        continue;
      }
      ok =
        (await attempt(photoKey, async () => {
          const present = await store.head(photoKey);
          if (present && present.size === entry.size) {
            report.alreadyPresent.push(photoKey);
            return;
          }
          const body = await catalog.source.readAll(entry.path);
          await store.put(photoKey, body, {
            contentType: MIME[ext] ?? 'application/octet-stream',
            size: entry.size,
          });
          report.uploaded.push(photoKey);
        })) &&
        (await attempt(thumbKey, async () => {
          const bytes = await readRegularFile(await catalog.thumbnail(entry.path), 'cache');
          const present = await store.head(thumbKey);
          if (present && present.size === bytes.length) {
            report.alreadyPresent.push(thumbKey);
            return;
          }
          await store.put(thumbKey, bytes, { contentType: 'image/jpeg', size: bytes.length });
          report.uploaded.push(thumbKey);
        }));
    } else {
      ok =
        (await attempt(photoKey, async () => {
          await store.delete(photoKey);
          report.deleted.push(photoKey);
        })) &&
        (await attempt(thumbKey, async () => {
          await store.delete(thumbKey);
          report.deleted.push(thumbKey);
        }));
    }
    if (ok) {
      await catalog.markStarSynced(row.seq);
      report.rowsDone++;
    }
  }
  options.onProgress?.(done, pending.length);
  await catalog.save();
  const snapshot = await catalog.snapshotBytes();
  if (snapshot && report.failed.length === 0) {
    const snapshotKey = keys.snapshot(snapshot.catalogMd5);
    const uploadedCatalog = await (async () => {
      try {
        const present = await store.head(snapshotKey);
        if (!present || present.size !== snapshot.bytes.length) {
          await store.put(snapshotKey, snapshot.bytes, {
            contentType: 'application/vnd.sqlite3',
            size: snapshot.bytes.length,
          });
        }
        // The pointer last: a reader never sees a pointer naming a snapshot that is not there yet.
        const pointer = Buffer.from(`${snapshot.catalogMd5}\n`, 'utf8');
        await store.put(keys.pointer, pointer, { contentType: 'text/plain', size: pointer.length });
        return true;
      } catch (error) {
        report.failed.push({ key: snapshotKey, reason: describeError(error) });
        return false;
      }
    })();
    if (uploadedCatalog) report.catalog = { snapshot: snapshotKey, pointer: keys.pointer };
  }
  return report;
}
