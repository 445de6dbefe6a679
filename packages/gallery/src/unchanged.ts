import { createHash } from 'node:crypto';
import { type CatalogEntry, describeError, isPhotolalaError } from '@photolala/core';
import type { RootPhotos } from './library.js';
import { Refusal } from './refusal.js';

/** What the lightbox says of an original that is not the photo the catalog holds. */
export const CHANGED = 'changed since the last scan: scan again to see it';

/**
 * The original's bytes, refused (409) unless they are still the cataloged photo-md5: an original is
 * sent as immutable under its photo-md5, and a browser would keep other bytes under it for a year.
 * Read whole and held, as the preview of a HEIC is: what a browser shows as it is (JPEG, PNG, WebP).
 */
export async function checkedOriginal(root: RootPhotos, entry: CatalogEntry): Promise<Buffer> {
  try {
    const { source } = root.catalog;
    // Taken before the bytes: a file changed after this is either caught by the hash, or has
    // another size, mtime or ETag the next time (see stillVerified).
    const before = source.stat ? await source.stat(entry.path) : undefined;
    if (source.stat && !before) throw new Refusal(404, MISSING);
    const bytes = await readChecked(root, entry);
    if (before && entry.photoMd5)
      verifiedOf(root).set(entry.path, {
        size: before.size,
        mtimeMs: before.mtimeMs,
        etag: before.etag,
        fastPhotoKey: entry.fastPhotoKey,
        photoMd5: entry.photoMd5,
      });
    return bytes;
  } catch (error) {
    if (error instanceof Refusal) throw error;
    if (isPhotolalaError(error, 'NOT_FOUND') || (error as { code?: unknown }).code === 'ENOENT')
      throw new Refusal(404, MISSING);
    throw new Error(`could not read ${entry.path}: ${describeError(error)}`, { cause: error });
  }
}

async function readChecked(root: RootPhotos, entry: CatalogEntry): Promise<Buffer> {
  const stream = await root.catalog.source.readAll(entry.path);
  const hash = createHash('md5');
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    length += chunk.length;
    // A file grown since the scan is not the photo; no need to read all of it to say so.
    if (length > entry.size) {
      stream.destroy?.();
      throw new Refusal(409, CHANGED);
    }
    hash.update(chunk);
    chunks.push(chunk);
  }
  if (length !== entry.size || hash.digest('hex') !== entry.photoMd5) throw new Refusal(409, CHANGED);
  return Buffer.concat(chunks, length);
}

/** An original found to be its photo-md5, and what the source said of the file just before. */
interface VerifiedOriginal {
  size: number;
  mtimeMs: number;
  etag: string | undefined;
  fastPhotoKey: string;
  photoMd5: string;
}

/**
 * The originals hashed and found unchanged in this run, by path, per source: kept for the run only
 * (the server's process), so a photo opened again is not read twice before a byte is sent.
 */
const verifiedOriginals = new WeakMap<object, Map<string, VerifiedOriginal>>();

function verifiedOf(root: RootPhotos): Map<string, VerifiedOriginal> {
  const { source } = root.catalog;
  let verified = verifiedOriginals.get(source);
  if (!verified) {
    verified = new Map();
    verifiedOriginals.set(source, verified);
  }
  return verified;
}

/**
 * Whether the original was hashed to the entry's photo-md5 (and fast-photo-key) earlier in this run
 * and the source still reports the size, mtime and ETag it had then: it is sent streamed, without
 * hashing it again. A file since changed is forgotten here and hashed again (409), a missing one
 * refused (404). As for ranged reads, an edit that keeps the size, mtime and ETag is not caught.
 */
export async function stillVerified(root: RootPhotos, entry: CatalogEntry): Promise<boolean> {
  const { source } = root.catalog;
  const verified = verifiedOf(root);
  const known = verified.get(entry.path);
  if (!source.stat || !known) return false;
  if (known.photoMd5 !== entry.photoMd5 || known.fastPhotoKey !== entry.fastPhotoKey) {
    verified.delete(entry.path);
    return false;
  }
  const now = await source.stat(entry.path);
  if (!now) {
    verified.delete(entry.path);
    throw new Refusal(404, MISSING);
  }
  if (now.size === known.size && now.mtimeMs === known.mtimeMs && now.etag === known.etag) return true;
  verified.delete(entry.path);
  return false;
}

/**
 * Refuses (409) an original streamed in ranges (a video) whose size or mtime differ from the
 * catalog's, when the source can say: hashing a video before each range would read it whole.
 */
export async function checkUnchanged(root: RootPhotos, entry: CatalogEntry): Promise<void> {
  const { source } = root.catalog;
  if (!source.stat) return;
  const now = await source.stat(entry.path);
  if (!now) throw new Refusal(404, MISSING);
  const sameTag = now.etag !== undefined && entry.etag ? now.etag === entry.etag : undefined;
  if (now.size !== entry.size || (sameTag ?? now.mtimeMs === entry.mtimeMs) === false)
    throw new Refusal(409, CHANGED);
}

export const MISSING =
  'the original is missing from its root (moved or deleted since the last scan): scan again';

/** The cached or rendered preview of a photo a browser cannot show as it is (HEIC, RAW, TIFF). */
export async function checkedPreview(root: RootPhotos, md5: string): Promise<string> {
  try {
    return await root.catalog.preview(md5);
  } catch (error) {
    // The catalog renders a preview only from the cataloged bytes, and says when they differ.
    if (isPhotolalaError(error, 'CORRUPT')) throw new Refusal(409, CHANGED);
    if (isPhotolalaError(error, 'NOT_FOUND')) throw new Refusal(404, MISSING);
    throw error;
  }
}
