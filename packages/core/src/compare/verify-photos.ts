import type { Catalog } from '../catalog/catalog.js';
import type { CatalogEntry } from '../catalog/entry-row.js';
import { md5OfStream } from '../digest/identity.js';
import { describeError } from '../source/errors.js';
import type { SourceEntry } from '../source/root-source.js';

/**
 * A photo whose bytes no longer hash to the photo-md5 the catalog recorded, while its size and mtime stayed.
 */
export interface CorruptPhoto {
  path: string;
  size: number;
  mtimeMs: number;
  /** The photo-md5 the catalog recorded, and what the bytes hash to now. */
  expectedMd5: string;
  actualMd5: string;
}

/** What `verifyPhotos` read and what it found. */
export interface VerifyPhotosReport {
  root: string;
  /** Photos read whole and hashed. */
  checked: number;
  bytes: number;
  /** Bytes that hash as the catalog says. */
  ok: number;
  /**
   * Bytes that changed while size and mtime did not: no edit looks like that, so this is possible
   * corruption (bit rot, a bad disk or transfer). The catalog keeps the MD5 it had.
   */
  corrupt: CorruptPhoto[];
  /** Size or mtime changed since the last scan: an edit, which a scan takes in. Not read. */
  changed: string[];
  /** In the catalog but no longer in the root. */
  missing: string[];
  /** Could not be read. */
  failed: { path: string; reason: string }[];
}

/** Options of `verifyPhotos`. */
export interface VerifyPhotosOptions {
  /** Photos read at once (default 4 locally, 8 for a remote root). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const sameStat = (a: Pick<SourceEntry, 'size' | 'mtimeMs'>, b: Pick<SourceEntry, 'size' | 'mtimeMs'>) =>
  a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * The scrub: re-reads every photo of the catalog and compares its MD5 with the catalog's. A photo
 * whose size and mtime are as the catalog recorded them but whose bytes are not is reported as
 * possibly corrupt. Nothing is written: a rescan would take the new bytes as an edit only if the
 * stat changed, and silently "fixing" the catalog would hide the damage.
 */
export async function verifyPhotos(
  catalog: Catalog,
  options: VerifyPhotosOptions = {},
): Promise<VerifyPhotosReport> {
  const source = catalog.source;
  const report: VerifyPhotosReport = {
    root: catalog.rootUri,
    checked: 0,
    bytes: 0,
    ok: 0,
    corrupt: [],
    changed: [],
    missing: [],
    failed: [],
  };
  const photos: CatalogEntry[] = catalog.list().filter((e) => e.photoMd5 !== null);
  // One listing for the current stat of every file, as a scan takes it.
  const current = new Map<string, SourceEntry>();
  const wanted = new Set(photos.map((p) => p.path));
  for await (const entry of source.enumerate(options.signal ? { signal: options.signal } : {}))
    if (wanted.has(entry.path))
      current.set(entry.path, { path: entry.path, size: entry.size, mtimeMs: entry.mtimeMs });
  const toRead: CatalogEntry[] = [];
  for (const photo of photos) {
    const now = current.get(photo.path);
    if (!now) report.missing.push(photo.path);
    else if (!sameStat(now, photo)) report.changed.push(photo.path);
    else toRead.push(photo);
  }
  let next = 0;
  let done = 0;
  options.onProgress?.(0, toRead.length);
  const worker = async () => {
    while (next < toRead.length && !options.signal?.aborted) {
      const photo = toRead[next++]!;
      try {
        const actual = await md5OfStream(await source.readAll(photo.path));
        report.checked++;
        report.bytes += photo.size;
        if (actual === photo.photoMd5) report.ok++;
        else {
          // Written to while this ran: an edit, not decay.
          const after = await source.stat?.(photo.path);
          if (after && !sameStat(after, photo)) report.changed.push(photo.path);
          else
            report.corrupt.push({
              path: photo.path,
              size: photo.size,
              mtimeMs: photo.mtimeMs,
              expectedMd5: photo.photoMd5!,
              actualMd5: actual,
            });
        }
      } catch (error) {
        report.failed.push({ path: photo.path, reason: describeError(error) });
      }
      options.onProgress?.(++done, toRead.length);
    }
  };
  const concurrency = options.concurrency ?? (source.capabilities.remote ? 8 : 4);
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  report.corrupt.sort(byPath);
  report.failed.sort(byPath);
  report.changed.sort();
  return report;
}
