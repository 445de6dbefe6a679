import type { Digester } from '../digest/digest.js';
import { FFMPEG_MISSING } from '../digest/video.js';
import { abortableSource } from '../source/abortable.js';
import { describeError } from '../source/errors.js';
import type { RootSource, SourceEntry } from '../source/root-source.js';
import { readOnceWithScanCache } from './bulk-read.js';
import type { CatalogContext } from './catalog-context.js';
import type { ScanOptions, ScanResult, StatusResult } from './catalog-types.js';
import type { EntryQueries } from './entry-queries.js';
import { failureCodeOf, ROW_COLUMNS, type ScanRow } from './entry-row.js';
import { regroupSessionFolders } from './group-rows.js';
import type { Publisher } from './publisher.js';
import { applyPlan, stageScan, summarize } from './scan-apply.js';
import { isRacy, planScan, RACY_MTIME, type ReadFile, type ScanPlan } from './scan-plan.js';
import { applySidecars, sidecarChanges, staleSidecars } from './sidecars.js';
import { StatIndex } from './stat-index.js';
import { storedDocumentText } from './stored-document.js';
import { distinctUnlisted, mergeUnlistedChanges, unlistedChanges, writeUnlisted } from './unlisted.js';
import { drainWithWorkers } from './worker-pool.js';

/**
 * A scan run: plans what changed since the catalog (see planScan), digests the added and changed
 * files on the catalog's worker pool, applies the results in one transaction and publishes.
 */
export class Scanner {
  constructor(
    private readonly ctx: CatalogContext,
    private readonly entries: EntryQueries,
    private readonly digester: Digester,
    private readonly publisher: Publisher,
    /** The cache's folders under the root, when the cache was put inside it; scans leave them out. */
    private readonly cacheFoldersInRoot: string[],
  ) {}

  /** What a scan would change, without digesting or writing anything. */
  async status(options: ScanOptions = {}): Promise<StatusResult> {
    const plan = await this.plan(options, abortableSource(this.ctx.source, options.signal));
    // A listing cut short by the signal would make every file not yet listed look removed.
    options.signal?.throwIfAborted();
    const summary = summarize(plan);
    // A photo whose sidecar changed is one a scan would change, though the photo did not.
    const stale = staleSidecars(this.ctx.working.db, plan.sidecars);
    const counted = new Set([
      ...summary.added,
      ...summary.changed,
      ...summary.removed,
      ...summary.moved.map((m) => m.to),
    ]);
    const sidecarOnly = stale.filter((path) => !counted.has(path));
    summary.changed = [...summary.changed, ...sidecarOnly].sort();
    summary.unchanged -= sidecarOnly.length;
    return summary;
  }

  private plan(options: ScanOptions, source: RootSource): Promise<ScanPlan> {
    const byPath = this.ctx.working.db.prepare(`SELECT ${ROW_COLUMNS} FROM entries WHERE path = ?`);
    // The stat fields of every row in one query: on an unchanged rescan nearly every file
    // is settled by these alone, and one query costs far less than a query per file.
    // Built on first use rather than up front: by then the source's enumeration has started, so a
    // backend that lists folders in the background (the local one does) works while this runs.
    let stats: StatIndex | undefined;
    const statIndex = () => {
      stats ??= new StatIndex(this.ctx.working.db, { etags: this.ctx.source.capabilities.etags });
      return stats;
    };
    return planScan(
      source,
      {
        byPath: (path) => byPath.get(path) as ScanRow | undefined,
        see: (path) => statIndex().see(path),
        unseenPaths: () => statIndex().unseenPaths(),
      },
      {
        full: options.full ?? false,
        firstScan: this.ctx.working.db.prepare('SELECT 1 FROM entries LIMIT 1').get() === undefined,
        headConcurrency: this.ctx.options.headConcurrency,
        excludeFolders: this.cacheFoldersInRoot,
        ...(options.signal ? { signal: options.signal } : {}),
        onDiscovered: (discovered) =>
          this.ctx.events.emit('progress', { phase: 'discover', discovered, digested: 0, total: 0 }),
      },
    );
  }

  /** Builds or updates the catalog: only added and changed files are digested; then a snapshot is published. */
  async scan(options: ScanOptions = {}): Promise<ScanResult> {
    const started = performance.now();
    const scanStartedMs = Date.now();
    // Every read of this scan gives up the moment the signal aborts.
    const source = abortableSource(this.ctx.source, options.signal);
    const plan = await this.plan(options, source);
    // A listing cut short by the signal would make every file not yet listed look removed.
    if (options.signal?.aborted) throw options.signal.reason;
    // The change lists are summarised now, so each file's plan record can be dropped as soon as it
    // is digested: on a first scan of 100k files they are tens of MB that would otherwise live on.
    const summary = summarize(plan);
    const toDigest: (ReadFile | undefined)[] = [...plan.added, ...plan.changed, ...plan.reverify];
    const reverifying = new Set(plan.reverify);
    /** Added files that may be moves of removed ones: moves if their photo-md5 is the old one. */
    const moveChecks = new Map(plan.moveChecks.map((m) => [m.to, m.from]));
    const confirmedMoves: { from: string; to: string }[] = [];
    plan.added = [];
    plan.changed = [];
    plan.reverify = [];
    const total = toDigest.filter((f) => f?.image).length;
    const unlisted = distinctUnlisted(plan.unlisted);
    const unlistedChanged = unlistedChanges(this.ctx.working.db, unlisted);
    let digested = 0;
    let rendered = 0;
    // An unchanged rescan writes nothing, so it makes no working copy of the snapshot (88 MB for 100k
    // photos) and runs no transaction: the scan's temp tables work on the read-only snapshot too.
    const writes =
      toDigest.length > 0 ||
      plan.removed.length > 0 ||
      plan.moved.length > 0 ||
      plan.touched.length > 0 ||
      unlistedChanged.length > 0 ||
      staleSidecars(this.ctx.working.db, plan.sidecars).length > 0;
    if (writes) await this.ctx.working.writable();
    const staged = stageScan(this.ctx.working.db);
    let stagedRows = 0;
    const failed = [...plan.failed];
    const resolution = this.ctx.source.capabilities.mtimeResolutionMs;
    const okReason = (entry: SourceEntry) => (isRacy(entry, scanStartedMs, resolution) ? RACY_MTIME : null);
    /** Racy entries whose full digest showed new bytes under an unchanged head. */
    const reverifiedChanged: string[] = [];
    let withoutPoster = 0;
    this.ctx.events.emit('progress', { phase: 'digest', discovered: plan.discovered, digested, total });
    /** Files whose read the signal cut off: not done, as if never taken. */
    const cutOff: string[] = [];
    const digestOne = async (file: ReadFile) => {
      const digest = await this.digestFile(source, file, failed, options.signal);
      if (digest === 'aborted') {
        cutOff.push(file.entry.path);
        return;
      }
      const { rendered: madeThumbnail, document } = digest;
      let row =
        digest.row.status === 'ok'
          ? { ...digest.row, reason: okReason(file.entry) ?? digest.row.reason }
          : digest.row;
      const movedFrom = moveChecks.get(file);
      if (movedFrom && row.status === 'ok' && row.photo_md5 === movedFrom.photo_md5) {
        row = {
          ...row,
          starred: movedFrom.starred,
          external_id: row.external_id ?? movedFrom.external_id,
        };
        confirmedMoves.push({ from: movedFrom.path, to: file.entry.path });
      }
      if (reverifying.delete(file) && row.photo_md5 !== file.previous?.photo_md5)
        reverifiedChanged.push(file.entry.path);
      staged.row(row);
      if (document) staged.document(row.photo_md5!, document);
      stagedRows++;
      if (madeThumbnail) rendered++;
      if (digest.row.reason === FFMPEG_MISSING) withoutPoster++;
      if (file.image) {
        digested++;
        this.ctx.events.emit('progress', { phase: 'digest', discovered: plan.discovered, digested, total });
      }
    };
    // The catalog's one pool (see drainWithWorkers), with one worker more than decode slots: it
    // reads and hashes the next file while the decoders work.
    const next = await drainWithWorkers(
      toDigest,
      Math.max(1, this.ctx.options.limits.concurrency) + 1,
      digestOne,
      () => options.signal?.aborted === true,
    );
    // Stopped early: the files never taken are left out of this scan's lists, and out of the
    // catalog (a changed file keeps its old entry, whose stale stat makes the next scan read it).
    const notDone = new Set<string>(cutOff);
    for (let i = next; i < toDigest.length; i++) notDone.add(toDigest[i]!.entry.path);
    if (notDone.size > 0) {
      summary.added = summary.added.filter((path) => !notDone.has(path));
      summary.changed = summary.changed.filter((path) => !notDone.has(path));
      // A possible move not checked yet: the old entry (and its star) stays until one is.
      const kept = new Set(
        plan.moveChecks.filter((m) => notDone.has(m.to.entry.path)).map((m) => m.from.path),
      );
      plan.removed = plan.removed.filter((row) => !kept.has(row.path));
      summary.removed = summary.removed.filter((path) => !kept.has(path));
    }
    if (confirmedMoves.length > 0) {
      const from = new Set(confirmedMoves.map((m) => m.from));
      const to = new Set(confirmedMoves.map((m) => m.to));
      summary.removed = summary.removed.filter((path) => !from.has(path));
      summary.added = summary.added.filter((path) => !to.has(path));
      summary.moved = [...summary.moved, ...confirmedMoves].sort((a, b) =>
        a.to < b.to ? -1 : a.to > b.to ? 1 : 0,
      );
    }
    const warnings: string[] = [];
    if (withoutPoster > 0) {
      const message = `${withoutPoster} video${withoutPoster === 1 ? '' : 's'} cataloged without poster or metadata: ffmpeg was not found (apt-get install ffmpeg)`;
      warnings.push(message);
      this.ctx.events.emit('warning', { message });
    }
    if (writes && applyPlan(this.ctx.working.db, plan, stagedRows, okReason)) this.ctx.state.dirty = true;
    if (unlistedChanged.length > 0) {
      writeUnlisted(this.ctx.working.db, unlisted);
      this.ctx.state.session.unlisted = mergeUnlistedChanges(
        this.ctx.state.session.unlisted,
        unlistedChanged,
      );
      this.ctx.state.dirty = true;
    }
    // Live Photos, RAW+JPEG pairs and edited copies of the folders this scan touched (see groups.ts).
    if (writes) regroupSessionFolders(this.ctx.working.db);
    // XMP sidecars added, changed or removed: their photos' values change, the photos unread.
    const sidecars = writes
      ? await applySidecars(this.ctx.working.db, source, plan.sidecars)
      : { changed: [], failed: [] };
    failed.push(...sidecars.failed);
    if (sidecars.changed.length > 0) this.ctx.state.dirty = true;
    const sidecarOnly = writes ? sidecarChanges(summary, sidecars.changed, this.ctx.working.db) : [];
    this.ctx.events.emit('progress', { phase: 'write', discovered: plan.discovered, digested, total });
    const published = await this.publisher.publish();
    await this.publisher.removeRootLeftovers(plan.rootFiles, published.catalogMd5);
    summary.changed = [...summary.changed, ...reverifiedChanged, ...sidecarOnly].sort();
    summary.unchanged -= reverifiedChanged.length + sidecarOnly.length;
    // Both read the whole table once; with the connection's default cache, filling it cost a fresh
    // process (the CLI's) several times more than the reads (100 ms of CPU at 100k entries).
    const [entries, allFailed] = readOnceWithScanCache(
      this.ctx.working.db,
      () => [this.entries.count(), this.entries.withStoredFailures(failed)] as const,
    );
    const result: ScanResult = {
      rootUri: this.ctx.source.uri,
      catalogMd5: published.catalogMd5,
      entries,
      ...summary,
      failed: allFailed,
      digested,
      rendered,
      snapshots: published.snapshots,
      wroteNewSnapshot: published.wroteNew,
      warnings: [...warnings, ...published.warnings.map((w) => w.message)],
      ...(published.failed.length > 0 ? { publishFailed: published.failed } : {}),
      durationMs: Math.round(performance.now() - started),
      ...(notDone.size > 0 ? { interrupted: { remaining: notDone.size } } : {}),
    };
    if (result.added.length) this.ctx.events.emit('entries-added', { paths: result.added });
    if (result.removed.length) this.ctx.events.emit('entries-removed', { paths: result.removed });
    if (result.changed.length) this.ctx.events.emit('entries-changed', { paths: result.changed });
    if (result.moved.length) this.ctx.events.emit('entries-moved', { moves: result.moved });
    return result;
  }

  /** A file's row, or 'aborted' when the signal cut its read off: nothing of it is recorded. */
  private async digestFile(
    source: RootSource,
    file: ReadFile,
    failed: ScanResult['failed'],
    signal: AbortSignal | undefined,
  ): Promise<{ row: ScanRow; rendered: boolean; document?: string } | 'aborted'> {
    const { entry, previous } = file;
    const base: ScanRow = {
      path: entry.path,
      fast_photo_key: file.fastPhotoKey,
      size: entry.size,
      mtime_ms: entry.mtimeMs,
      etag: entry.etag ?? null,
      external_id: entry.externalId ?? null,
      photo_md5: null,
      kind: file.image?.kind ?? 'other',
      taken_at: null,
      width: null,
      height: null,
      // A library favorite (Apple Photos) arrives starred; afterwards the catalog's own star rules.
      starred: previous?.starred ?? (entry.attributes?.favorite ? 1 : 0),
      status: 'ok',
      reason: null,
      // Set by regroupSessionFolders once the scan's rows are in.
      group_id: null,
      role: null,
      rating: null,
      keywords: null,
      failure_code: null,
    };
    const { readError } = file;
    if (readError !== undefined)
      return {
        row: { ...base, status: 'failed', reason: readError.reason, failure_code: readError.code },
        rendered: false,
      };
    if (!file.image) return { row: base, rendered: false };
    try {
      const result = await this.digester.digest(source, entry, file.image, {
        head: file.head,
        fastPhotoKey: file.fastPhotoKey,
      });
      if ('unavailable' in result)
        return { row: { ...base, photo_md5: result.photoMd5, reason: result.unavailable }, rendered: false };
      this.ctx.events.emit('thumbnail-ready', {
        path: entry.path,
        photoMd5: result.photoMd5,
        thumbnailPath: result.thumbnailPath,
        mtimeMs: entry.mtimeMs,
      });
      const row: ScanRow = {
        ...base,
        photo_md5: result.photoMd5,
        taken_at: result.metadata.takenAt,
        width: result.metadata.width,
        height: result.metadata.height,
        rating: result.metadata.rating ?? null,
        keywords: result.metadata.keywords?.join('\n') || null,
      };
      return {
        row,
        rendered: result.rendered,
        document: storedDocumentText(result.metadata, result.photoMd5),
      };
    } catch (error) {
      // Whatever the error says, a read stopped by the signal is no failure of the file.
      if (signal?.aborted) return 'aborted';
      const reason = describeError(error);
      failed.push({ path: entry.path, reason });
      return {
        row: { ...base, status: 'failed', reason, failure_code: failureCodeOf(error) },
        rendered: false,
      };
    }
  }
}
