import pLimit from 'p-limit';
import { fastPhotoKey, HEAD_BYTES } from '../digest/identity.js';
import { type DetectedMedia, detectJpeg, detectMediaKind, notAnImageReason } from '../digest/image-kind.js';
import { applicationStore, catalogFilter } from '../source/enumerate-filter.js';
import { describeError, isPhotolalaError, PhotolalaError, SYSTEM_ERROR_CODES } from '../source/errors.js';
import { listingFailingWith } from '../source/guard-source.js';
import type { EnumerateOptions, RootSource, SourceEntry, SourceListing } from '../source/root-source.js';
import { type FailureCode, failureCodeOf, retriesFailure, type ScanRow } from './entry-row.js';
import { isRootCatalogFile, type RootCatalogFile } from './leftovers.js';
import { listedPathFilter } from './listed-filter.js';
import { invalidListedPath } from './listed-path.js';
import { RACY_MTIME } from './racy-mtime.js';
import { isSidecarPath, type SidecarFile, sidecarFile } from './sidecars.js';

// Re-exported for the scan, which marks racy entries while it plans.
export { RACY_MTIME };

/** A file whose head was read: new, changed, or touched (same content, new mtime). */
export interface ReadFile {
  entry: SourceEntry;
  fastPhotoKey: string;
  /** The image or video to digest; undefined for any other file. */
  image: DetectedMedia | undefined;
  /** Kept only when it holds the whole file (files up to 4 KiB), to save a second read. */
  head: Buffer | undefined;
  previous: ScanRow | undefined;
  /**
   * Why the file is recorded as failed, undigested, and the code of that failure: its head could not
   * be read (it has no key and is read again next scan), or its name says image and its bytes are
   * none (see notAnImageReason).
   */
  readError?: { reason: string; code: FailureCode };
}

/** Clock difference allowed between this machine and the server that stamps mtimes. */
const CLOCK_SKEW_MS = 1000;

/** Whether a file seen by a scan that started at `scanStartedMs` is racy; an ETag vouches on its own. */
export function isRacy(entry: SourceEntry, scanStartedMs: number, mtimeResolutionMs: number): boolean {
  return (
    entry.etag === undefined &&
    mtimeResolutionMs > 1 &&
    entry.mtimeMs + mtimeResolutionMs + CLOCK_SKEW_MS > scanStartedMs
  );
}

/**
 * What `planScan` decided for each file: which to digest, re-verify or just restat, and which were removed or moved.
 */
export interface ScanPlan {
  added: ReadFile[];
  changed: ReadFile[];
  /** Racy entries (see RACY_MTIME) whose head is unchanged: digested again to compare photo-md5s. */
  reverify: ReadFile[];
  /** Same path, same fast-photo-key, but size/mtime/etag differ: only the row's stat fields change. */
  touched: ReadFile[];
  removed: ScanRow[];
  moved: { from: ScanRow; to: ReadFile }[];
  /**
   * A removed photo whose fast-photo-key reappears at a new path, but whose stat fingerprint does not
   * agree (see fingerprintAgrees): a move only if the full digest of `to` gives `from`'s photo-md5.
   * `to` is also in `added` and `from` in `removed`, which is what they are unless the digest says so.
   */
  moveChecks: { from: ScanRow; to: ReadFile }[];
  unchanged: number;
  /** Files or folders that could not be read, with the reason. */
  failed: { path: string; reason: string }[];
  /** Those of `failed` that can have no entry (see unlisted.ts): a bad name, an unreadable folder. */
  unlisted: { path: string; reason: string }[];
  /** Items the source deliberately leaves out, with the reason (videos, trashed photos, ...). */
  skipped: { path: string; reason: string }[];
  discovered: number;
  /**
   * The catalog's own files at the top of the root (temp files, snapshots), never cataloged: listed
   * for the removal of those a killed process left (see removeRootLeftovers).
   */
  rootFiles: RootCatalogFile[];
  /** XMP sidecars, which are not entries: their photos' rows record them (see applySidecars). */
  sidecars: SidecarFile[];
}

/** How `planScan` lists the root and reads heads. */
export interface PlanOptions {
  /** Read heads even of files whose size and mtime are unchanged, and digest every image again. */
  full: boolean;
  headConcurrency: number;
  /**
   * The catalog holds no entries yet, so every file's head will be read: the source is asked to read
   * them along with its listing (`EnumerateOptions.headBytes`), which the local source does on a
   * second thread. Not asked on a rescan, which must not open unchanged files.
   */
  firstScan?: boolean;
  /**
   * Folders under the root never to list (relative paths): the catalog's own cache, when someone put
   * it inside the root. Listed, each scan would catalog the thumbnails the last one made.
   */
  excludeFolders?: string[];
  signal?: AbortSignal;
  onDiscovered?: (count: number) => void;
}

/** The fields of a catalog row that decide whether a file looks unchanged. */
export type EntryStat = Pick<ScanRow, 'size' | 'mtime_ms' | 'etag' | 'status' | 'reason' | 'failure_code'> & {
  /** Whether the row has a fast-photo-key (not the key itself, which a rescan never needs). */
  keyed: boolean;
};

/** The catalog's rows as `planScan` asks for them while the root is listed. */
export interface EntryLookup {
  /** The whole row, asked only for files that need a head read. */
  byPath(path: string): ScanRow | undefined;
  /**
   * Records that `path` was found in the root, and returns its stat fields (undefined for a path the
   * catalog does not hold). Called once for every file enumerated: answer from an index loaded once,
   * far faster than a row query per file on a rescan where nearly every file is unchanged.
   */
  see(path: string): EntryStat | undefined;
  /**
   * The catalog's paths that `see` was not called for: the files that may have been removed. The
   * lookup keeps this record rather than the plan keeping a set of paths found, which cost the main
   * thread of an unchanged rescan of 100k files 55 ms.
   */
  unseenPaths(): Iterable<string>;
}

/**
 * Whether a file's stat fingerprint is the one a catalog row recorded, so that the row's photo-md5
 * may stand for its bytes without reading them all. The fingerprint is the ETag where both the store
 * and the row have one: equal tags are equal bytes, and S3 keeps an object's ETag when it is copied to
 * a new key (a move there is a copy and a delete), though not its LastModified. Elsewhere it is the
 * mtime: a rename on a local disk, SMB or WebDAV keeps it, and writing new bytes moves it. The size
 * is part of the fast-photo-key, which is compared wherever this is asked.
 *
 * The fast-photo-key covers only the first 4 KiB, so it never vouches on its own: a changed
 * fingerprint under an unchanged key (a tool rewriting pixels in place, a flipped bit) gets the whole
 * file hashed again, and a removed file's key reappearing elsewhere is a move only when this agrees or
 * the new file's full photo-md5 is the old one.
 */
export function fingerprintAgrees(row: Pick<ScanRow, 'mtime_ms' | 'etag'>, entry: SourceEntry): boolean {
  if (entry.etag !== undefined && row.etag !== null) return row.etag === entry.etag;
  return row.mtime_ms === entry.mtimeMs;
}

function unchangedByStat(row: EntryStat, entry: SourceEntry, mtimeResolutionMs: number): boolean {
  if (row.size !== entry.size) return false;
  // A file whose head could not be read last time has no key yet: try again.
  if (!row.keyed) return false;
  // A digest that failed for a passing reason (the server went away mid-scan) is tried again.
  if (row.status === 'failed' && retriesFailure(row.failure_code)) return false;
  // A store with content tags vouches with them; equal tags are equal bytes.
  if (entry.etag !== undefined && row.etag !== null) return row.etag === entry.etag;
  if (row.status === 'ok' && row.reason === RACY_MTIME) return false;
  // On stores with coarse clocks (FAT, SMB: 2 s) equal mtimes cannot rule out an edit in the same
  // window, so only fine-grained mtimes vouch on their own.
  return fingerprintAgrees(row, entry) && mtimeResolutionMs <= 1;
}

/**
 * Compares a fresh enumeration of the root with the catalog, by path: added, removed, changed (the
 * fast-photo-key differs), moved (a removed file's fast-photo-key reappears at a new path with the
 * same fingerprint; otherwise a move to check, see `moveChecks`) and unchanged, touched or to be
 * re-hashed (`reverify`). Heads are read only for files whose size, mtime or etag say they may have
 * changed.
 * Entries under a folder that could not be read are kept, not reported removed.
 */
export async function planScan(
  source: RootSource,
  lookup: EntryLookup,
  options: PlanOptions,
): Promise<ScanPlan> {
  const plan: ScanPlan = {
    added: [],
    changed: [],
    reverify: [],
    touched: [],
    removed: [],
    moved: [],
    moveChecks: [],
    unchanged: 0,
    failed: [],
    skipped: [],
    unlisted: [],
    discovered: 0,
    rootFiles: [],
    sidecars: [],
  };
  /** Files listed, then deleted before their head was read: removed after all. */
  const vanished: string[] = [];
  const unreadableFolders: string[] = [];
  const limit = pLimit(options.headConcurrency);
  const pending = new Set<Promise<void>>();
  /** Wakes the listing loop when a read ends, once the queue of reads is full. */
  let slotFreed: (() => void) | undefined;
  /** A read that threw (readOne records a file's own failures, so only a bug): thrown by the loop. */
  let readThrew: { error: unknown } | undefined;
  const mtimeResolution = source.capabilities.mtimeResolutionMs;
  // Read once: the source is usually a proxy (see abortableSource), whose every property read is a
  // call, and every listed path is checked under this name.
  const backend = source.backend;

  /** Files the source read along with its listing, whose head only needs checking. */
  const headFromListing = (entry: SourceEntry): Uint8Array | undefined =>
    entry.head && entry.head.length === Math.min(entry.size, HEAD_BYTES) ? entry.head : undefined;

  /** Plans a file by its head: the one listed with it (see headFromListing), or one read since. */
  const classify = (
    entry: SourceEntry,
    previous: ScanRow | undefined,
    head: Uint8Array,
    image: DetectedMedia | undefined,
  ) => {
    // The source's MD5 is of the head it listed (see SourceEntry.headMd5), so it counts for that
    // head only, never for one read again; fastPhotoKey checks its form and otherwise hashes.
    const key = fastPhotoKey(head, entry.size, head === entry.head ? entry.headMd5 : undefined);
    const file: ReadFile = {
      entry: withoutHead(entry),
      fastPhotoKey: key,
      image,
      // A copy: a head from the listing is a view of a whole folder's heads.
      head: head.length === entry.size ? Buffer.from(head) : undefined,
      previous,
    };
    // A name that says image over bytes that are none (a zero-byte IMG_1234.JPG, a failed copy) is
    // a failure with its reason, not a quiet `other`. Its row keeps the key, so an unchanged file is
    // not read again, and the scan reports it from the row each time.
    const notAnImage = image ? undefined : notAnImageReason(entry.path, entry.size, head);
    if (notAnImage !== undefined) {
      const error = new PhotolalaError('CORRUPT', notAnImage, { backend, path: entry.path });
      file.readError = { reason: describeError(error), code: error.code };
      plan.failed.push({ path: entry.path, reason: file.readError.reason });
      (previous ? plan.changed : plan.added).push(file);
      return;
    }
    if (!previous) plan.added.push(file);
    // A kind that changed under the same bytes is a catalog made before that kind was known (videos
    // were `other`): digested again.
    else if (
      previous.fast_photo_key === key &&
      previous.status === 'ok' &&
      previous.kind === (image?.kind ?? 'other')
    ) {
      // Same first 4 KiB and size: the rest may still differ. An image is hashed again unless its
      // fingerprint vouches for the rest (and a full scan hashes every one).
      const recheck =
        image !== undefined &&
        (options.full || previous.reason === RACY_MTIME || !fingerprintAgrees(previous, entry));
      (recheck ? plan.reverify : plan.touched).push(file);
    } else plan.changed.push(file);
  };

  const readOne = async (entry: SourceEntry, previous: ScanRow | undefined) => {
    let head: Buffer;
    try {
      head = await source.readHead(entry.path, HEAD_BYTES);
      // A head of another length than the listing's size allows is a short read, or a file that
      // changed since it was listed: its key would be wrong. It is read again next scan.
      if (head.length !== Math.min(entry.size, HEAD_BYTES)) {
        throw new PhotolalaError(
          'IO',
          `read ${head.length} bytes of the head of ${JSON.stringify(entry.path)}, expected ${Math.min(entry.size, HEAD_BYTES)}: it changed since it was listed, or the read was cut short`,
          { backend, path: entry.path },
        );
      }
    } catch (error) {
      if (isPhotolalaError(error, 'NOT_FOUND')) {
        // Deleted since it was listed: it is simply not there.
        vanished.push(entry.path);
        return;
      }
      if (isPhotolalaError(error, 'UNSUPPORTED')) {
        // Not a file the source can read (the local one refuses a FIFO or device swapped in since the
        // listing): left out with the reason, as if listed so, and no longer in the catalog.
        plan.skipped.push({ path: entry.path, reason: describeError(error) });
        vanished.push(entry.path);
        return;
      }
      const reason = describeError(error);
      plan.failed.push({ path: entry.path, reason });
      // Keep whatever the catalog knew about it rather than dropping it; a new file is recorded
      // as failed (with no key) so it is listed with its reason and read again next time.
      if (previous && previous.fast_photo_key !== '') plan.unchanged++;
      else
        (previous ? plan.changed : plan.added).push({
          entry,
          fastPhotoKey: '',
          image: undefined,
          head: undefined,
          previous,
          readError: { reason, code: failureCodeOf(error) },
        });
      return;
    }
    classify(entry, previous, head, await detectMediaKind(head));
  };

  /** Waits for a free read slot, when the queue of reads is full. */
  const slotFree = () =>
    new Promise<void>((resolve) => {
      slotFreed = resolve;
    }).then(() => {
      slotFreed = undefined;
    });

  const excluded = (path: string) => options.excludeFolders?.includes(path) === true;
  const listedPasses = listedPathFilter(
    (name, path) => !excluded(path) && catalogFilter.directory(name, path),
  );

  /**
   * Plans one listed file. Synchronous for nearly every file of a rescan (and every JPEG of a first
   * scan): it returns a promise only when the loop must wait, since a promise per file shows on a
   * scan of 100k.
   */
  const take = (entry: SourceEntry): Promise<void> | undefined => {
    if (!entry.path.includes('/') && isRootCatalogFile(entry.path)) {
      plan.rootFiles.push({ path: entry.path, mtimeMs: entry.mtimeMs });
      return undefined;
    }
    const pathProblem = invalidListedPath(entry.path, backend);
    // What the filter refused, listed all the same by a source that ignores it, is left out here too.
    if (!pathProblem && !listedPasses(entry.path)) return undefined;
    plan.discovered++;
    if (plan.discovered % 1000 === 0) options.onDiscovered?.(plan.discovered);
    if (pathProblem) {
      plan.failed.push({ path: entry.path, reason: pathProblem });
      plan.unlisted.push({ path: entry.path, reason: pathProblem });
      return undefined;
    }
    if (isSidecarPath(entry.path)) {
      plan.sidecars.push(sidecarFile(entry));
      return undefined;
    }
    const known = lookup.see(entry.path);
    if (known && !options.full && unchangedByStat(known, entry, mtimeResolution)) {
      plan.unchanged++;
      return undefined;
    }
    const previous = known && lookup.byPath(entry.path);
    const head = headFromListing(entry);
    if (head) {
      const jpeg = detectJpeg(head);
      if (jpeg) {
        classify(entry, previous, head, jpeg);
        return undefined;
      }
      // Done before the next entry is asked for, while the head is still valid.
      return detectMediaKind(head).then((image) => classify(entry, previous, head, image));
    }
    const task: Promise<void> = limit(() => readOne(entry, previous))
      .catch((error: unknown) => {
        readThrew ??= { error };
      })
      .finally(() => {
        pending.delete(task);
        slotFreed?.();
      });
    pending.add(task);
    // Bound the queue so memory stays flat on huge folders. The loop waits for any one read to end;
    // a Promise.race over the queue per file would leave a reaction on every queued read each time,
    // hundreds of thousands of them held at once on a remote scan.
    return pending.size >= options.headConcurrency * 64 ? slotFree() : undefined;
  };

  const listing = failingAsMissingRoot(source, {
    filter: {
      directory: (name, path) => {
        if (excluded(path)) return false;
        if (catalogFilter.directory(name, path)) return true;
        // An application's store is said, not silently left out: the user may be looking for those
        // photos. Asked only of the few folders the filter refuses.
        const store = applicationStore(name);
        if (store) plan.skipped.push({ path, reason: store });
        return false;
      },
      // The catalog's own files at the top of the root are listed too, and set aside by `take`.
      file: (name, path) => catalogFilter.file(name, path) || (name === path && isRootCatalogFile(name)),
    },
    tempFiles: true,
    signal: options.signal,
    // The source may hash heads where it reads them (the local one on its second thread, while the
    // thread running this plan is busy with the others).
    ...(options.full || options.firstScan ? { headBytes: HEAD_BYTES, headMd5: true } : {}),
    onIssue: (issue) => {
      // A FIFO or device under a catalog file's name is the loader's to refuse, not a scan's to list.
      if (!issue.path.includes('/') && isRootCatalogFile(issue.path)) return;
      if (issue.skipped) {
        plan.skipped.push({ path: issue.path, reason: describeError(issue.error) });
        return;
      }
      unreadableFolders.push(issue.path);
      plan.failed.push({ path: issue.path, reason: describeError(issue.error) });
      plan.unlisted.push({ path: issue.path, reason: describeError(issue.error) });
    },
  });
  // A source that lists a folder's files at once hands them over so (see SourceListing.batches).
  if (listing.batches) {
    for await (const batch of listing.batches()) {
      for (const entry of batch) {
        const wait = take(entry);
        if (wait) await wait;
        if (readThrew) throw readThrew.error;
      }
    }
  } else {
    for await (const entry of listing) {
      const wait = take(entry);
      if (wait) await wait;
      if (readThrew) throw readThrew.error;
    }
  }
  await Promise.all(pending);
  if (readThrew) throw readThrew.error;
  options.onDiscovered?.(plan.discovered);

  const underUnreadable = (path: string) =>
    unreadableFolders.some((folder) => folder === path || path.startsWith(`${folder}/`));
  const removedByKey = new Map<string, ScanRow[]>();
  for (const path of [...lookup.unseenPaths(), ...vanished]) {
    const row = lookup.byPath(path);
    if (!row) continue;
    if (underUnreadable(path)) {
      plan.unchanged++;
      continue;
    }
    plan.removed.push(row);
    if (row.status === 'ok' && row.fast_photo_key) {
      const list = removedByKey.get(row.fast_photo_key) ?? [];
      list.push(row);
      removedByKey.set(row.fast_photo_key, list);
    }
  }
  if (removedByKey.size > 0) {
    // A move keeps the fingerprint (see fingerprintAgrees); pairs that agree are matched first.
    const stillAdded: ReadFile[] = [];
    for (const file of plan.added) {
      // A file that is recorded as failed inherits no photo's row.
      const rows = file.readError === undefined ? removedByKey.get(file.fastPhotoKey) : undefined;
      const agreeing = rows?.findIndex((row) => fingerprintAgrees(row, file.entry)) ?? -1;
      if (agreeing >= 0) plan.moved.push({ from: rows!.splice(agreeing, 1)[0]!, to: file });
      else stillAdded.push(file);
    }
    plan.added = stillAdded;
    const movedFrom = new Set(plan.moved.map((m) => m.from.path));
    plan.removed = plan.removed.filter((row) => !movedFrom.has(row.path));
    // A copy made without keeping the mtime, or another photo that merely starts alike: the digest
    // the new file gets anyway decides.
    for (const file of plan.added) {
      if (!file.image) continue;
      const from = removedByKey.get(file.fastPhotoKey)?.shift();
      if (from?.photo_md5) plan.moveChecks.push({ from, to: file });
    }
  }
  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  plan.added.sort((a, b) => byPath(a.entry, b.entry));
  plan.changed.sort((a, b) => byPath(a.entry, b.entry));
  plan.removed.sort(byPath);
  plan.moved.sort((a, b) => byPath(a.to.entry, b.to.entry));
  return plan;
}

/** The entry without the head read along with the listing (and its MD5), not kept past the plan. */
function withoutHead(entry: SourceEntry): SourceEntry {
  // Not copied when there is nothing to drop: nearly every file of a rescan.
  if (!entry.head && !entry.headMd5) return entry;
  // A spread, not a rest pattern: V8 copies a spread on its fast path.
  return { ...entry, head: undefined, headMd5: undefined };
}

/**
 * The root's listing, whose failure for something missing says that the root does not exist: a
 * source raises whatever its listing meets (`cannot list ""`, `scandir '/no/such'`, a bare `ENOENT`
 * from a third-party backend), and reports a folder inside the root that cannot be listed as an
 * issue instead, so a listing that fails NOT_FOUND names a root that is not there (or went away).
 * That error is `NOT_FOUND` with the path `''`, the root itself, what a front end says it by.
 */
function failingAsMissingRoot(source: RootSource, options: EnumerateOptions): SourceListing {
  const listing = source.enumerate(options);
  const fail = (error: unknown): never => {
    const native = (error as NodeJS.ErrnoException | null)?.code;
    const missing =
      isPhotolalaError(error, 'NOT_FOUND') ||
      (!isPhotolalaError(error) && typeof native === 'string' && SYSTEM_ERROR_CODES[native] === 'NOT_FOUND');
    if (!missing || options.signal?.aborted) throw error;
    throw new PhotolalaError(
      'NOT_FOUND',
      `the root ${source.uri} does not exist\n${describeError(error, { code: false, allLines: true })}`,
      { backend: source.backend, path: '', cause: error },
    );
  };
  return listingFailingWith(listing, fail);
}
