import type { CacheShard } from '../cache/cache.js';
import type { DigestLimits } from '../digest/digest-types.js';
import type { EntryKind } from '../digest/image-kind.js';
import type { CatalogEntry } from './entry-row.js';
import type { LoadedSnapshot, SnapshotReadProgress } from './snapshots.js';

/** Options of `openCatalog`; every one has a default that suits an app. */
export interface OpenCatalogOptions {
  /** Cache root; defaults to `PHOTOLALA_CACHE_DIR`, then the platform cache folder. */
  cacheDir?: string;
  /** Cache shard for thumbnails and metadata; `local` unless the backend's photos belong elsewhere (`s3`). */
  shard?: CacheShard;
  /** Digest limits; defaults depend on `source.capabilities.remote`. */
  limits?: Partial<DigestLimits>;
  /** Head reads in flight during discovery. */
  headConcurrency?: number;
  /** How many snapshots the pointers keep (default 3). */
  keepSnapshots?: number;
  /** Largest snapshot file that is loaded (default 2 GiB). */
  maxSnapshotBytes?: number;
  /**
   * Where to get a missing thumbnail before re-reading the photo: for catalogs browsed away from
   * their photos, such as a cloud copy whose thumbnails live next to it. Return undefined to fall back.
   */
  fetchThumbnail?: (entry: CatalogEntry & { photoMd5: string }) => Promise<Uint8Array | undefined>;
  /**
   * Replay star changes that an earlier session journaled but never published (default true). Off
   * for an open that must change nothing, such as a status check; the changes wait for the next.
   */
  recoverStars?: boolean;
  /**
   * Told how far the read of a snapshot has got while the catalog opens: a remote root's snapshot is
   * downloaded into the mirror (for 100k photos, about 90 MB). Nothing is read, and nothing told, when
   * the mirror's copy is already known good.
   */
  onLoadProgress?: (progress: SnapshotReadProgress) => void;
}

/** Options of `Catalog.scan` and `Catalog.status`. */
export interface ScanOptions {
  /** Re-read heads even when size and mtime are unchanged. */
  full?: boolean;
  /**
   * Stops the scan. Aborted while files are being digested, the scan takes no new file and abandons
   * the reads in flight (a stalled server cannot keep it waiting); a photo whose bytes were all read
   * is finished, one cut off is left out whole (never half a thumbnail or an MD5 of part of it). It
   * then saves what is done (a snapshot is published) and resolves with `interrupted` set: a long
   * first scan stopped at 90% keeps its 90%. Aborted during discovery, it saves nothing and rejects
   * with the signal's reason, since a partial listing cannot tell a removed file from one not listed
   * yet.
   */
  signal?: AbortSignal;
}

/** What changed (or would change) between the catalog and the root. */
export interface StatusResult {
  added: string[];
  removed: string[];
  changed: string[];
  moved: { from: string; to: string }[];
  unchanged: number;
  failed: { path: string; reason: string }[];
  /** Items the source left out on purpose, with the reason (videos, trashed or iCloud-only photos). */
  skipped: { path: string; reason: string }[];
}

/** What a scan changed (the `StatusResult` counts, as done), and what it published. */
export interface ScanResult extends StatusResult {
  /** The root's canonical URI (`RootSource.uri`). */
  rootUri: string;
  /** The MD5 of the snapshot the catalog now is: the name of its file, `.photolala.{catalogMd5}.sqlite`. */
  catalogMd5: string;
  /** Entries in the catalog after the scan. */
  entries: number;
  /** Images whose digest ran (added and changed), and how many needed a new thumbnail. */
  digested: number;
  rendered: number;
  /** Where the snapshot is (the root, the cache mirror): written by this scan or already there. */
  snapshots: string[];
  /** Whether snapshot bytes were written to some store; false when the catalog did not change. */
  wroteNewSnapshot: boolean;
  /** Messages for the user that did not fail the scan: a read-only root, videos without ffmpeg. */
  warnings: string[];
  /**
   * Stores the snapshot should have reached but did not, after retries (a root whose upload kept
   * failing): the catalog is saved elsewhere, but that store's copy is stale. Absent when none.
   */
  publishFailed?: string[];
  /** How long the scan took, in milliseconds. */
  durationMs: number;
  /**
   * Set when `signal` stopped the scan during the digest: `remaining` added or changed files were
   * not digested and are not in the catalog yet (a changed file keeps its previous entry); the next
   * scan picks them up. The lists above name only what was done.
   */
  interrupted?: { remaining: number };
}

/** Which entries `Catalog.list` and `Catalog.iterate` return, in path order; the filters combine. */
export interface ListOptions {
  /** Only entries under this folder (relative path, no trailing slash). */
  directory?: string;
  /** Only starred entries (true) or only unstarred ones (false). */
  starred?: boolean;
  /** Only entries of this kind (`jpeg`, `heic`, ..., `video`, `other`). */
  kind?: EntryKind;
  /** Page size; all when absent. */
  limit?: number;
  /** Return entries after this path (for paging). */
  after?: string;
}

/** A row of the star queue: one star or unstar waiting for cloud sync, or synced. */
export interface StarQueueRow {
  seq: number;
  operation: 'star' | 'unstar';
  photoMd5: string | null;
  fastPhotoKey: string;
  path: string;
  atMs: number;
  state: string;
}

/** What happened when the catalog was opened. */
export interface CatalogLoadInfo {
  /** Which snapshot was loaded (see `LoadSource`): the root's, the mirror's, an older one, or none. */
  source: LoadedSnapshot['source'];
  /** The loaded snapshot's MD5; undefined when none was loaded. */
  catalogMd5: string | undefined;
  /** Where the loaded snapshot was read from, for messages; undefined when none was loaded. */
  location: string | undefined;
  /** Snapshots and pointers passed over on the way, each with the reason. */
  skipped: LoadedSnapshot['skipped'];
  /**
   * Star changes replayed from a session that ended before a snapshot held them (see StarJournal);
   * the next `save()` or `close()` publishes them.
   */
  recoveredStars: number;
  /**
   * Set when the root could not be reached (its pointer read failed `UNAVAILABLE`) and the catalog
   * is the copy kept in the cache mirror: browsing works, a scan needs the root. `savedAt` is when
   * that copy was saved in the mirror (ISO 8601), undefined when no copy was there.
   */
  offline?: { reason: string; savedAt: string | undefined };
}

/** `OpenCatalogOptions` with their defaults applied: what the catalog's parts read. */
export type ResolvedCatalogOptions = Required<
  Omit<OpenCatalogOptions, 'cacheDir' | 'limits' | 'fetchThumbnail' | 'recoverStars' | 'onLoadProgress'>
> & {
  limits: DigestLimits;
  fetchThumbnail: OpenCatalogOptions['fetchThumbnail'];
};
