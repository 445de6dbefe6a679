import { promises as fsp, rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { type CacheShard, PhotoCache, resolveCacheRoot } from '../cache/cache.js';
import { type PhotoColumns, writePerceptualHashes } from '../compare/catalog-reads.js';
import { Digester } from '../digest/digest.js';
import { LOCAL_DIGEST_LIMITS, REMOTE_DIGEST_LIMITS } from '../digest/digest-types.js';
import type { MetadataDocument } from '../digest/metadata.js';
import { describeError, PhotolalaError } from '../source/errors.js';
import type { RootSource } from '../source/root-source.js';
import { readOnceWithScanCache } from './bulk-read.js';
import { type CatalogContext, type CatalogState, loadedState } from './catalog-context.js';
import type {
  CatalogLoadInfo,
  ListOptions,
  OpenCatalogOptions,
  ResolvedCatalogOptions,
  ScanOptions,
  ScanResult,
  StarQueueRow,
  StatusResult,
} from './catalog-types.js';
import type { EntryLines } from './entry-json.js';
import { EntryQueries } from './entry-queries.js';
import type { CatalogEntry } from './entry-row.js';
import { CatalogEvents } from './events.js';
import {
  type FirstScreen,
  type FirstScreenPhoto,
  knownFirstScreen,
  type MonthStarts,
  readFirstScreen,
  readFolderPhotos,
  readMonthStarts,
  readTimelinePage,
  rememberFirstScreen,
} from './first-screen.js';
import { readFirstScreenFile, writeFirstScreenFile } from './first-screen-file.js';
import type { StoreReport } from './inspect.js';
import { PhotoFiles } from './photo-files.js';
import { DEFAULT_RETENTION } from './pointer.js';
import { Publisher } from './publisher.js';
import { Scanner } from './scan-run.js';
import {
  createSchema,
  hardenDatabase,
  isUnreadableSchema,
  readVersionTable,
  upgradeSchema,
} from './schema.js';
import { type MirrorStore, mirrorStore, rootStore, type SnapshotStore } from './snapshot-store.js';
import { type LoadedSnapshot, loadNewestSnapshot, openWorkingFile, WorkingDatabase } from './snapshots.js';
import { StarJournal } from './star-journal.js';
import { Stars } from './stars.js';
import { VerifiedSnapshots } from './verified-snapshots.js';
import { cacheFoldersUnderRoot, prepareWorkFile, removeWorkFile } from './working-file.js';
import { WriteQueue } from './write-queue.js';

const DEFAULT_MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * A root's catalog: loaded from the newest valid snapshot (root, then mirror, then older snapshots,
 * else rebuilt), kept as an in-memory working database, and published as immutable snapshots.
 * All writes go through one serial queue; reads are synchronous and never see a half-applied scan.
 */
export class Catalog {
  readonly events = new CatalogEvents();
  readonly cache: PhotoCache;
  readonly loadInfo: CatalogLoadInfo;
  private readonly queue: WriteQueue;
  private readonly entries: EntryQueries;
  private readonly photoFiles: PhotoFiles;
  private readonly ctx: CatalogContext;
  private readonly publisher: Publisher;
  private readonly scanner: Scanner;
  private readonly stars: Stars;
  private readonly mirror: MirrorStore;
  /** First screens being written to the mirror (see `firstScreen`), awaited by `close`. */
  private readonly screenWrites = new Set<Promise<void>>();

  private constructor(
    readonly source: RootSource,
    private readonly working: WorkingDatabase,
    loaded: LoadedSnapshot,
    private readonly options: ResolvedCatalogOptions,
    cache: PhotoCache,
    stores: { root: SnapshotStore; mirror: MirrorStore },
    verified: VerifiedSnapshots,
  ) {
    this.cache = cache;
    this.mirror = stores.mirror;
    this.queue = new WriteQueue(() => working.workFile);
    this.entries = new EntryQueries(working, source.uri);
    // Star changes not yet in a snapshot, on disk so that a crash does not lose them.
    const starJournal = new StarJournal(stores.mirror.dir);
    const digester = new Digester(cache, options.shard, options.limits);
    this.ctx = { source, working, cache, events: this.events, options, state: loadedState(loaded) };
    this.photoFiles = new PhotoFiles(this.ctx, this.entries, digester);
    this.publisher = new Publisher(this.ctx, stores.root, stores.mirror, verified, starJournal);
    this.stars = new Stars(this.ctx, this.entries, starJournal);
    this.scanner = new Scanner(
      this.ctx,
      this.entries,
      digester,
      this.publisher,
      cacheFoldersUnderRoot(source.uri, cache.root),
    );
    const { source: from, catalogMd5, location, skipped } = loaded;
    this.loadInfo = { source: from, catalogMd5, location, skipped, recoveredStars: 0 };
  }

  static async open(source: RootSource, options: OpenCatalogOptions = {}): Promise<Catalog> {
    const cache = new PhotoCache(resolveCacheRoot(options.cacheDir));
    const defaults = source.capabilities.remote ? REMOTE_DIGEST_LIMITS : LOCAL_DIGEST_LIMITS;
    const resolved = {
      shard: options.shard ?? 'local',
      limits: { ...defaults, ...options.limits },
      headConcurrency: options.headConcurrency ?? (source.capabilities.remote ? 16 : 8),
      keepSnapshots: options.keepSnapshots ?? DEFAULT_RETENTION,
      maxSnapshotBytes: options.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES,
      fetchThumbnail: options.fetchThumbnail,
    };
    const mirrorDir = cache.mirrorDir(source.uri);
    let workFile: string;
    try {
      workFile = await prepareWorkFile(mirrorDir);
    } catch (cause) {
      throw new PhotolalaError(
        'IO',
        `cannot use ${cache.root} as the cache folder: ${describeError(cause)}`,
        {
          backend: 'cache',
          path: cache.root,
          cause,
        },
      );
    }
    // The mirror folder's mtime says when its root was last opened: pruneCache spares the photos of
    // recently opened roots. A read-only cache only loses that hint.
    const now = new Date();
    await fsp.utimes(mirrorDir, now, now).catch(() => {});
    const verified = new VerifiedSnapshots(mirrorDir);
    const stores = { root: rootStore(source), mirror: mirrorStore(mirrorDir) };
    const loaded = await loadNewestSnapshot(
      stores.root,
      stores.mirror,
      resolved.maxSnapshotBytes,
      verified,
      options.onLoadProgress,
    );
    let working: WorkingDatabase;
    if (loaded.db) working = new WorkingDatabase(loaded.db, loaded.file, workFile);
    else {
      const db = openWorkingFile(workFile);
      hardenDatabase(db);
      createSchema(db, source.uri, Date.now());
      working = new WorkingDatabase(db, undefined, workFile);
    }
    // A snapshot of an older schema is read through the current columns: upgraded in the working copy.
    if (isUnreadableSchema(working.db)) upgradeSchema(await working.writable());
    const catalog = new Catalog(source, working, loaded, resolved, cache, stores, verified);
    const unreachable = loaded.skipped.find((s) => s.store === 'root' && s.code === 'UNAVAILABLE');
    if (unreachable) {
      const saved = loaded.file ? await fsp.stat(loaded.file).catch(() => undefined) : undefined;
      catalog.loadInfo.offline = {
        // The failure itself, without the prefix readPointers puts before it.
        reason: unreachable.reason.replace(/^pointer unreadable: (UNAVAILABLE: )?/, ''),
        savedAt: saved?.mtime.toISOString(),
      };
    }
    if (options.recoverStars ?? true)
      catalog.loadInfo.recoveredStars = await catalog.stars.replayOrphaned(mirrorDir, (path, starred) =>
        catalog.setStar(path, starred),
      );
    return catalog;
  }

  private get state(): CatalogState {
    return this.ctx.state;
  }

  /** Read-only until the first write (see WorkingDatabase); every write task awaits `writable()`. */
  private get db(): Database.Database {
    return this.working.db;
  }

  get rootUri(): string {
    return this.source.uri;
  }

  /** The cache shard this catalog's thumbnails, metadata and previews live in. */
  get shard(): CacheShard {
    return this.options.shard;
  }

  /** The catalog-md5 of the snapshot this catalog was loaded from or last published. */
  get catalogMd5(): string | undefined {
    return this.state.currentMd5;
  }

  get version(): Record<string, string> {
    return readVersionTable(this.db);
  }

  // ---- reading -----------------------------------------------------------------------------

  count(): number {
    return this.entries.count();
  }

  /** Entries in path order, without touching the photos. Use `limit` and `after` to page. */
  list(options: ListOptions = {}): CatalogEntry[] {
    return this.entries.list(options);
  }

  /**
   * `list`'s entries a few thousand at a time, for a caller that prints each chunk before reading the
   * next; write nothing to the catalog before the generator is finished.
   */
  listChunks(options: ListOptions = {}): Generator<CatalogEntry[]> {
    return this.entries.listChunks(options);
  }

  /**
   * `listChunks` (filtered alike, without paging) for a caller that prints `entryJson` lines: a chunk
   * is either such lines, made by SQLite, or entries (always those in a group). Write nothing to the
   * catalog before the generator is finished.
   */
  listJsonChunks(
    options: Pick<ListOptions, 'directory' | 'starred' | 'kind'> = {},
  ): Generator<EntryLines | CatalogEntry[]> {
    return this.entries.listJsonChunks(options);
  }

  /** The entries `list` would give (filtered alike, without paging) that belong to a group, in path order. */
  groupedEntries(options: Pick<ListOptions, 'directory' | 'starred' | 'kind'> = {}): CatalogEntry[] {
    return this.entries.grouped(options);
  }

  /**
   * The month buckets of this catalog's timeline and its `limit` newest photos, by SQL, without
   * listing every entry: what a gallery shows first for a large catalog (see first-screen.ts).
   */
  firstScreen(limit: number): FirstScreen {
    requireWholeNumbers('firstScreen', { limit });
    const known = knownFirstScreen(this.db, limit);
    if (known) return known;
    // A snapshot's first screen never changes: kept beside its copy in the mirror by the first
    // process that read it, and read back (checked) by the next, while the catalog is that snapshot
    // unmodified. At 100,000 photos it spares every start of a gallery a pass over the table.
    const snapshot = this.unmodifiedSnapshot();
    const stored = snapshot && readFirstScreenFile(this.mirror.dir, snapshot, limit, this.db);
    if (stored) {
      rememberFirstScreen(this.db, limit, stored);
      return stored;
    }
    // Most often the first query of a fresh connection, which reads the whole table once: with the
    // default page cache, filling the cache costs as much as the query (see readOnceWithScanCache).
    const screen = readOnceWithScanCache(this.db, () => readFirstScreen(this.db, limit));
    if (snapshot) this.keepFirstScreen(snapshot, limit, screen);
    return screen;
  }

  /** The catalog-md5 of the snapshot the working database still is, read-only and unmodified. */
  private unmodifiedSnapshot(): string | undefined {
    return this.working.isSnapshot && !this.state.dirty ? this.state.currentMd5 : undefined;
  }

  /**
   * Writes snapshot `catalogMd5`'s first screen into the mirror in the background; a cache that
   * cannot be written only loses the shortcut. The first screens of snapshots the mirror's pointer
   * no longer names are removed on the way.
   */
  private keepFirstScreen(catalogMd5: string, limit: number, screen: FirstScreen): void {
    const write = (async () => {
      const kept = (await this.mirror.readPointer().catch(() => undefined)) ?? [];
      await writeFirstScreenFile(this.mirror.dir, catalogMd5, limit, screen, kept);
    })()
      .catch(() => {})
      .finally(() => this.screenWrites.delete(write));
    this.screenWrites.add(write);
  }

  /**
   * The month buckets of this catalog's timeline and the `count` newest photos (and the `tail`
   * oldest) of each of its `maxMonths` newest months, by SQL, in `firstScreen`'s order: where a
   * gallery's scrubber jumps to, and what shows above and below it.
   */
  monthStarts(count: number, maxMonths = Infinity, tail = 0): MonthStarts {
    requireWholeNumbers('monthStarts', { count, tail });
    return readMonthStarts(this.db, count, maxMonths, tail);
  }

  /**
   * The photos at positions `offset` to `offset + limit` of this catalog's timeline, by SQL, in
   * `firstScreen`'s order, and how many it holds: the page a gallery's scrubber jumps to, read in
   * about one pass over the rows instead of ordering them all.
   */
  timelinePage(offset: number, limit: number): { total: number; photos: FirstScreenPhoto[] } {
    requireWholeNumbers('timelinePage', { offset, limit });
    // A pass over the whole table, as the first screen's: the default page cache, filled as it goes,
    // tripled the first page's cost (see readOnceWithScanCache).
    return readOnceWithScanCache(this.db, () => readTimelinePage(this.db, offset, limit));
  }

  /**
   * How many of the timeline's photos (`firstScreen`'s) lie directly in each folder (`''`: the
   * root's own), by SQL over the paths alone: a gallery's folder list without listing every entry.
   */
  folderPhotos(): Map<string, number> {
    return readFolderPhotos(this.db);
  }

  /** Entries in path order as a lazy iterator over the working database. */
  iterate(options: ListOptions = {}): Generator<CatalogEntry> {
    return this.entries.iterate(options);
  }

  /** Path, photo-md5 and size of every photo, as columns: what comparing catalogs reads (see compare/). */
  photoColumns(): PhotoColumns {
    return this.entries.photoColumns();
  }

  /** The perceptual hash of each photo-md5 whose metadata document holds one. */
  perceptualHashes(): Map<string, string> {
    return this.entries.perceptualHashes();
  }

  /**
   * Adds perceptual hashes made after the digest (from cached thumbnails, for catalogs older than
   * the hashes) to the photos' documents; the next save publishes them.
   */
  storePerceptualHashes(hashes: Map<string, string>): Promise<number> {
    return this.enqueue(async () => {
      if (hashes.size === 0) return 0;
      const changed = writePerceptualHashes(await this.working.writable(), hashes);
      if (changed > 0) this.state.dirty = true;
      return changed;
    });
  }

  /** The entry an id names: a relative path, a fast-photo-key, a photo-md5 or an apple-photo-id. */
  get(id: string): CatalogEntry | undefined {
    return this.entries.get(id);
  }

  /** Absolute path of the entry's cached thumbnail, made from the photo if it is missing. */
  thumbnail(id: string): Promise<string> {
    return this.photoFiles.thumbnail(id);
  }

  /**
   * Absolute path of the entry's metadata document, restored from the catalog or the photo if missing.
   * `metadataDocument(id)` gives the document itself, parsed and checked.
   */
  metadata(id: string): Promise<string> {
    return this.photoFiles.metadata(id);
  }

  /**
   * The entry's metadata document, parsed and checked against `metadataDocumentSchema`: what the
   * file `metadata(id)` names holds (kind, dimensions, capture time and its source, camera, exposure,
   * location; duration, rotation and codec for a video). A cached file that is not a valid document
   * of this photo is replaced by the catalog's own copy; throws `CORRUPT` when there is none.
   */
  metadataDocument(id: string): Promise<MetadataDocument> {
    return this.photoFiles.metadataDocument(id);
  }

  /**
   * Absolute path of a large JPEG of the entry (fitting in PREVIEW_SIZE), rendered by the thumbnail
   * pipeline and cached on first use: for viewers of photos a browser cannot show as they are (HEIC,
   * RAW, TIFF). Refuses, as `thumbnail` does, an entry that is not an image or whose file changed.
   */
  preview(id: string): Promise<string> {
    return this.photoFiles.preview(id);
  }

  // ---- writing -----------------------------------------------------------------------------

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    return this.queue.enqueue(work);
  }

  /** What a scan would change, without digesting or writing anything. */
  status(options: ScanOptions = {}): Promise<StatusResult> {
    return this.enqueue(() => this.scanner.status(options));
  }

  /** Builds or updates the catalog: only added and changed files are digested; then a snapshot is published. */
  scan(options: ScanOptions = {}): Promise<ScanResult> {
    return this.enqueue(() => this.scanner.scan(options));
  }

  /**
   * Stars a photo and queues the change for cloud sync. Only a photo with a digest can be starred:
   * sync uploads it by its photo-md5, so a star on a text file or a photo whose digest failed could
   * never be synced, and would fail every sync after.
   */
  star(id: string): Promise<CatalogEntry> {
    return this.setStar(id, true);
  }

  unstar(id: string): Promise<CatalogEntry> {
    return this.setStar(id, false);
  }

  private setStar(id: string, starred: boolean): Promise<CatalogEntry> {
    return this.enqueue(() => this.stars.set(id, starred));
  }

  /** The star operations waiting for cloud sync, oldest first. */
  starQueue(): StarQueueRow[] {
    return this.stars.queue();
  }

  /** Marks a star-queue row as synced; call only after the cloud confirmed the upload or delete. */
  markStarSynced(seq: number): Promise<void> {
    return this.enqueue(() => this.stars.markSynced(seq));
  }

  /**
   * Takes in the newest snapshot when another process published one since this catalog loaded or
   * last published (a `photolala scan` in another terminal): what a long-running reader, a gallery,
   * calls to see it. The pointers are read first (with `root: false` the mirror's alone, a local
   * file), and nothing more is done unless one changed. Runs after the writes queued before it (a
   * scan, which takes in what others published as it saves); unsaved changes (stars) are replayed
   * onto the newer snapshot. Resolves to whether the catalog changed; emits no entry events.
   */
  async refresh(options: { root?: boolean } = {}): Promise<boolean> {
    if (!(await this.newerPublished(options))) return false;
    return this.enqueue(() => this.publisher.takeInNewer());
  }

  /**
   * Whether a pointer (the root's and the mirror's; with `root: false` the mirror's alone) has
   * changed since this catalog last read or wrote it, naming another snapshot first: `refresh`'s
   * first step, a small read each, for a caller with something to do before the catalog changes.
   */
  async newerPublished(options: { root?: boolean } = {}): Promise<boolean> {
    if (this.queue.isClosed) return false;
    return this.publisher.pointersMoved(options.root ?? true);
  }

  /** The bytes of the snapshot last loaded or published (from the mirror, else the root), verified. */
  snapshotBytes(): Promise<{ catalogMd5: string; bytes: Buffer } | undefined> {
    return this.publisher.snapshotBytes();
  }

  /** Publishes a snapshot if anything changed since the last one (stars, for example). */
  save(): Promise<string | undefined> {
    return this.enqueue(async () => {
      if (!this.state.dirty) return this.state.currentMd5;
      return (await this.publisher.publish()).catalogMd5;
    });
  }

  /** Both pointers and every snapshot they name, checked against their hashes. */
  inspectSnapshots(): Promise<StoreReport[]> {
    return this.publisher.inspectSnapshots();
  }

  /** Which entries' thumbnail or metadata document is missing from the cache. */
  missingCacheFiles(): Promise<{ path: string; photoMd5: string; thumbnail: boolean; metadata: boolean }[]> {
    return this.photoFiles.missingCacheFiles();
  }

  /**
   * Makes again the cache files `missingCacheFiles` found missing (after a cache was pruned or
   * cleared), as many at once as a scan digests. A photo that changed since the last scan, or is
   * unreadable, is reported with its reason rather than guessed at.
   */
  repairCacheFiles(
    missing: { path: string; thumbnail: boolean; metadata: boolean }[],
    options: { onProgress?: (done: number, total: number) => void } = {},
  ): Promise<{ repaired: string[]; failed: { path: string; reason: string }[] }> {
    return this.photoFiles.repairCacheFiles(missing, options);
  }

  /**
   * Ends the catalog at once, publishing nothing, for a process about to exit (a second Ctrl-C): the
   * working database and any snapshot it was writing are removed from the mirror, synchronously, so
   * that nothing is left behind however soon the process ends. What was published stays, and star
   * changes stay in their journal, which the next open replays. Safe after `close`, and twice.
   */
  discard(): void {
    void this.queue.close();
    try {
      if (this.db.open) this.db.close();
    } catch {
      // A database busy in a statement cannot close; its file is removed all the same.
    }
    const files = [this.working.workFile, ...this.publisher.snapshotsInProgress];
    for (const file of files)
      for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }

  /** Publishes pending changes and releases the working database. */
  async close(): Promise<void> {
    if (this.queue.isClosed) return;
    await Promise.all(this.screenWrites);
    try {
      await this.save();
    } finally {
      await this.queue.close();
      this.db.close();
      await removeWorkFile(this.working.workFile);
      await this.source.close?.();
    }
  }
}

/** Throws a RangeError that names `method` and the argument, unless every one of `args` is a whole number. */
function requireWholeNumbers(method: string, args: Record<string, number>): void {
  for (const [name, n] of Object.entries(args))
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`${method}: ${name} must be a whole number, not ${n}`);
}

/** Opens (loads or creates) the catalog of a root. */
export function openCatalog(source: RootSource, options?: OpenCatalogOptions): Promise<Catalog> {
  return Catalog.open(source, options);
}
