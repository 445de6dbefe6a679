import type { Readable } from 'node:stream';

/** One file found under a root. */
export interface SourceEntry {
  /** Relative to the root, `/`-separated, NFC-normalised, never starting with `/`, never containing `.` or `..` segments. */
  path: string;
  /** Size in bytes. */
  size: number;
  /**
   * Last modification time in milliseconds since the epoch (may be coarse, e.g. 2 s on FAT/SMB).
   * It need not change on every `writeAtomic`: two writes within one tick of
   * `capabilities.mtimeResolutionMs` may leave the same value. But a write sets it to the time of that
   * write as the store records it, never keeps the replaced file's. Where `capabilities.etags` is
   * false, size and mtime are all a rescan compares; the catalog re-hashes a file whose mtime lay
   * within the resolution (plus 1 s of clock skew) of the scan that read it, which covers two writes
   * in one tick.
   */
  mtimeMs: number;
  /** An opaque content tag when the store has one (S3/WebDAV ETag). Equal tags vouch for equal content. */
  etag?: string;
  /** Backend-specific identity, e.g. the Apple Photos asset UUID. */
  externalId?: string;
  /**
   * The MD5 of the whole content when the store vouches for it without a read (an S3 single-part
   * ETag). Core may use it to find the photo in the cache and skip the download; whenever the file
   * is read anyway, the computed MD5 is what counts.
   */
  contentMd5?: string;
  /** What a photo library knows about the file; these win over the file's own EXIF. */
  attributes?: SourceAttributes;
  /**
   * The first `EnumerateOptions.headBytes` bytes of the file, read along with the listing, exactly
   * what `readHead(path, headBytes)` would have returned. Only when asked for, and optional even then:
   * where it is absent the caller calls `readHead`. Valid until the caller asks for the next entry:
   * a source may reuse the memory after that (the local one does), so copy what must be kept.
   */
  head?: Uint8Array;
  /**
   * The MD5 of `head`, as 32 lower-case hex digits, when asked for (`EnumerateOptions.headMd5`) and
   * the source computed it where it read the head (the local one does, on its second thread, for
   * the heads it has time for). Only ever beside `head`, and optional even then: the caller hashes
   * a head that comes without one. A value that is not 32 lower-case hex digits is ignored.
   */
  headMd5?: string;
}

/** Facts a photo library (Apple Photos) records about an asset, as the user last edited them. */
export interface SourceAttributes {
  /**
   * Capture time, ISO 8601, with the offset when the library knows the time zone. Stored in the one
   * form capture dates take (see `takenAtForm`), whatever form it is given in.
   */
  takenAt?: string;
  favorite?: boolean;
  hidden?: boolean;
  originalFilename?: string;
  latitude?: number;
  longitude?: number;
}

/** Decides whether a folder is descended into and whether a file is yielded. */
export interface EnumerateFilter {
  /**
   * Called for every folder below the root (never for the root itself). `name` is the folder's last
   * path segment, and `path` the folder's own relative path, not its parent's: for `2024/trips`,
   * `directory('trips', '2024/trips')`. Return false to skip the folder and everything in it.
   */
  directory(name: string, path: string): boolean;
  /** `name` is the file's last path segment, `path` its relative path. Return false to leave the file out. */
  file(name: string, path: string): boolean;
}

/**
 * A problem met while enumerating that does not stop the enumeration: an unreadable folder, a
 * dangling link (the catalog keeps what it knew under that path), or, with `skipped`, an item the
 * source deliberately leaves out and wants reported (a video, a trashed or iCloud-only photo).
 */
export interface EnumerateIssue {
  path: string;
  error: Error;
  /** The item exists but is not catalogued, on purpose; entries the catalog had for it are removed. */
  skipped?: boolean;
}

/** Options of `RootSource.enumerate`. */
export interface EnumerateOptions {
  /** Folders and files to skip. Defaults to none: every file is yielded. */
  filter?: EnumerateFilter;
  /** Called for each folder or file that could not be read; enumeration goes on. */
  onIssue?: (issue: EnumerateIssue) => void;
  /** Stops the enumeration early. */
  signal?: AbortSignal;
  /**
   * The caller is about to read this many leading bytes of every file (a first scan reads every
   * head). A source that can read them more cheaply along with its listing (the local one does so on
   * a second thread) attaches them as `SourceEntry.head`; any other source ignores this.
   */
  headBytes?: number;
  /**
   * With `headBytes`: the caller will hash every head, so a source that can do so more cheaply (on
   * another thread) attaches the MD5 of the head it read as `SourceEntry.headMd5`, for as many
   * entries as it likes. Any other source ignores this.
   */
  headMd5?: boolean;
  /**
   * Yield the temp files `writeAtomic` leaves (`.photolala-tmp-*`) too, through `filter` like any
   * file, so that the catalog can remove those a killed process left at the top of the root (see
   * removeRootLeftovers). Optional to honour: a source that ignores it never yields them, and a
   * crash's temp files stay in its root. Core's `walkServerFolders` (and so the SMB and WebDAV
   * backends), the local and the S3 backends honour it.
   */
  tempFiles?: boolean;
}

/**
 * What `enumerate` returns: the entries one at a time, and, where the source offers it, the same
 * entries in batches.
 */
export interface SourceListing extends AsyncIterable<SourceEntry> {
  /**
   * Optional: the listing's entries in batches (a folder's files, say), for a source that finds them
   * that way. It yields what iterating the listing would (the same entries, with the same `onIssue`
   * reports and the same errors thrown), only grouped; batches are never empty. A listing is consumed one way or the other, not both. `SourceEntry.head`s of a batch stay
   * valid until the next batch is asked for. For a source whose files come fast (a local disk), the
   * steps of a one-at-a-time listing through core's wrappers cost a rescan more than comparing the
   * files does. Where absent, callers iterate the listing.
   */
  batches?(): AsyncIterable<SourceEntry[]>;
}

/** Options of one read (`readHead`, `readAll`). */
export interface ReadOptions {
  /**
   * Abandons the read. When it aborts, a pending call rejects with the signal's reason (not a
   * `PhotolalaError`: an abort is the caller's choice, not a failure of the store), a stream already
   * returned is destroyed with it, and the request is cancelled where the client can cancel one. A
   * backend whose client cannot still rejects at once and drops the late answer. Optional to honour:
   * core also stops waiting on its own (see `abortableSource`), but only the backend frees the request.
   */
  signal?: AbortSignal;
}

/** What a source can do and how its data behaves; the catalog adapts to it. */
export interface SourceCapabilities {
  /** `writeAtomic` is present and may succeed. */
  writable: boolean;
  /** `remove` is present. */
  removable: boolean;
  /** Entries carry `etag`, and equal etags mean equal bytes. */
  etags: boolean;
  /** Granularity of `mtimeMs` in milliseconds (1 for local disks, 2000 for FAT/SMB, 1000 for most HTTP stores). */
  mtimeResolutionMs: number;
  /** The source is remote: callers should use lower concurrency and expect latency. */
  remote: boolean;
}

/**
 * What a conditional write expects of the file: still the ETag it had when read (`ifMatch`, the
 * `etag` that `stat` reported), or still absent (`ifNoneMatch: '*'`).
 */
export type WriteCondition = { ifMatch: string } | { ifNoneMatch: '*' };

/**
 * A root-browsing-directory on some storage. Core composes any `RootSource` with the digest
 * pipeline, the cache and the snapshots; a source knows nothing of catalogs.
 *
 * Rules every implementation MUST follow (checked by `@photolala/core/testing`):
 * - Every failure is thrown as a `PhotolalaError` with the backend's name and the native error as `cause`.
 *   Where the store has no native error (a 404 answer, a missing key in a map), `cause` is a plain
 *   `Error` saying what was asked and what the store answered, e.g. `new Error('HTTP 404 for
 *   photos/a.jpg')`. The `code` is what callers act on; `cause` is for the person reading the log.
 * - Paths given to methods are relative, `/`-separated; a path that is absolute, empty, or has `.`/`..`
 *   segments or a NUL byte raises `INVALID_PATH` and touches nothing.
 * - Nothing is ever read or written outside the root.
 */
export interface RootSource {
  /** Backend name used in errors and logs, e.g. `local`, `s3`. */
  readonly backend: string;
  /** Canonical URI of the root (see `canonicalRootUri`); its MD5 names the cache mirror folder. */
  readonly uri: string;
  readonly capabilities: SourceCapabilities;

  /**
   * Yields every file under the root exactly once, in no guaranteed order.
   * - Folders rejected by `options.filter.directory` are never descended into.
   * - Symbolic links are not followed out of the root, and a link loop never hangs the walk.
   * - A folder that cannot be read is reported to `options.onIssue` and skipped; the walk goes on.
   * - The root itself missing or unreadable throws `NOT_FOUND`/`PERMISSION_DENIED`/`UNAVAILABLE`.
   * - Temp files left by `writeAtomic` are never yielded, unless `options.tempFiles` asks for them.
   * - The listing may offer the same entries in batches too (see `SourceListing.batches`).
   */
  enumerate(options?: EnumerateOptions): SourceListing;

  /**
   * The first `bytes` bytes of the file (all of it when shorter; an empty buffer for an empty file),
   * with one read or one ranged request. Throws `NOT_FOUND` when the file does not exist.
   */
  readHead(path: string, bytes: number, options?: ReadOptions): Promise<Buffer>;

  /**
   * The whole file as a stream. Throws `NOT_FOUND` when the file does not exist, either from this
   * call or as the stream's first error.
   */
  readAll(path: string, options?: ReadOptions): Promise<Readable>;

  /**
   * Replaces (or creates) the file with `data`. A concurrent reader sees either the old bytes or the
   * new bytes, never a mix or a truncated file; a crash leaves the old file. Missing parent folders
   * are created. Absent on read-only sources; throws `READ_ONLY` or `PERMISSION_DENIED` when the
   * store refuses the write.
   */
  writeAtomic?(path: string, data: Uint8Array): Promise<void>;

  /**
   * Optional: `writeAtomic` with the content taken from a local file, for large files (catalog
   * snapshots of 100k photos are tens of MB) that a backend can stream instead of holding in memory.
   * Same guarantees as `writeAtomic`; where absent, the catalog reads the file and calls `writeAtomic`.
   * `onBytes`, when given, is told the bytes sent so far as the upload goes, ending at the file's size
   * (for a progress bar); `streamFileCounting` does the counting for a backend that sends a stream.
   */
  writeAtomicFromFile?(path: string, localFile: string, onBytes?: (bytes: number) => void): Promise<void>;

  /**
   * Optional: `writeAtomic`, but only when the file is still as `expected` says, checked by the store
   * in the same request (S3 `If-Match`/`If-None-Match`, or HTTP's on a WebDAV PUT); otherwise nothing
   * is written and it throws `CONFLICT`. Offer it where `stat` reports ETags. The catalog writes the
   * root's pointer with it, so that two machines publishing to one root at once cannot erase each
   * other's changes: the one that loses merges and tries again. Where the store does not enforce the
   * condition (some WebDAV servers ignore `If-Match`), checking it by `stat` just before an atomic
   * write narrows that race without closing it: better than no check, and the backend's README must
   * say so.
   */
  writeIfUnchanged?(path: string, data: Uint8Array, expected: WriteCondition): Promise<void>;

  /** Deletes the file. Removing a missing file is not an error. */
  remove?(path: string): Promise<void>;

  /** Size and mtime of one file, or `undefined` when it does not exist. */
  stat?(path: string): Promise<SourceEntry | undefined>;

  /** Releases connections and handles. Safe to call twice. */
  close?(): Promise<void>;
}

/** A source's read side, with the capabilities that do not depend on writing. */
export type ReadableRootSource = Omit<
  RootSource,
  'writeAtomic' | 'writeAtomicFromFile' | 'writeIfUnchanged' | 'remove' | 'capabilities'
> & {
  capabilities: Omit<SourceCapabilities, 'writable' | 'removable'>;
};

/**
 * Completes a backend's source: the write methods given (omit them all for a read-only source), and
 * `writable`/`removable` derived from `writeAtomic` and `remove`, so the capabilities can never
 * disagree with the methods. Each is optional on its own, as the contract makes them: a store that
 * can write but never delete passes `writeAtomic` alone.
 */
export function defineRootSource(
  readSide: ReadableRootSource,
  writes?: Pick<RootSource, 'writeAtomic' | 'remove' | 'writeAtomicFromFile' | 'writeIfUnchanged'>,
): RootSource {
  const methods = Object.fromEntries(
    Object.entries(writes ?? {}).filter(([, method]) => typeof method === 'function'),
  ) as Partial<RootSource>;
  return {
    ...readSide,
    capabilities: {
      ...readSide.capabilities,
      writable: typeof methods.writeAtomic === 'function',
      removable: typeof methods.remove === 'function',
    },
    ...methods,
  };
}
