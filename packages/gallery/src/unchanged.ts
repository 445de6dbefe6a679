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
    return await readChecked(root, entry);
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
