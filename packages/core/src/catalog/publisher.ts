import { promises as fsp } from 'node:fs';
import { md5Hex } from '../digest/identity.js';
import { PhotolalaError } from '../source/errors.js';
import type { WriteCondition } from '../source/root-source.js';
import { writeListing } from './bulk-read.js';
import type { CatalogContext } from './catalog-context.js';
import { ENTRY_COLUMN_LIST } from './entry-row.js';
import type { CatalogWarning } from './events.js';
import { regroupSessionFolders } from './group-rows.js';
import { inspectStores, type StoreReport } from './inspect.js';
import { type RootCatalogFile, removeRootLeftovers } from './leftovers.js';
import { withMirrorLock } from './mirror-lock.js';
import { snapshotFileName } from './pointer.js';
import { rebaseOnto, SESSION_PATHS, takeSessionPaths } from './rebase.js';
import { hardenDatabase, isUnreadableSchema, upgradeSchema, upgradeSchemaFile } from './schema.js';
import type { MirrorStore, SnapshotStore } from './snapshot-store.js';
import {
  findNewerSnapshot,
  openWorkingFile,
  publishSnapshot,
  readOnlyWarning,
  serializeSnapshot,
} from './snapshots.js';
import type { StarJournal } from './star-journal.js';
import type { VerifiedSnapshots } from './verified-snapshots.js';
import { newWorkFilePath, removeWorkFile } from './working-file.js';

/** How often a publish merges and tries again when other machines keep changing the root's pointer. */
const PUBLISH_ATTEMPTS = 5;

/** What a publish gave: the snapshot the catalog now is, and where it went. */
export interface PublishResult {
  catalogMd5: string;
  snapshots: string[];
  wroteNew: boolean;
  warnings: CatalogWarning[];
  failed: string[];
}

/**
 * Publishing: the working database made a snapshot in the root and the mirror, after taking in
 * what other processes published meanwhile. It owns the stores and reads and moves the catalog's
 * state (the current snapshot, its generation, the pointers as last seen, the session's changes).
 */
export class Publisher {
  /** Snapshots this catalog is writing into the mirror right now, for `discard` to remove. */
  readonly snapshotsInProgress = new Set<string>();
  private readonly stores: SnapshotStore[];

  constructor(
    private readonly ctx: CatalogContext,
    root: SnapshotStore,
    private readonly mirror: MirrorStore,
    private readonly verified: VerifiedSnapshots,
    private readonly starJournal: StarJournal,
  ) {
    this.stores = [root, mirror];
  }

  /**
   * Publishes the catalog as a snapshot, holding the mirror's lock so that processes of this machine
   * publish one at a time. Should another have published since this one loaded (a `star` while a
   * scan runs, two `star`s at once), this session's changes are first replayed onto that newer
   * snapshot (see rebaseOnto): the last to publish no longer erases the others' stars. The lock
   * serves one machine only; where the root can write conditionally, its pointer is written only if
   * unchanged since it was read, and when another machine published meanwhile, the merge is made again
   * onto its snapshot, up to PUBLISH_ATTEMPTS times.
   */
  publish(): Promise<PublishResult> {
    return withMirrorLock(this.mirror.dir, async () => {
      for (let attempt = 1; ; attempt++) {
        const expected = await this.catchUp();
        const published = await this.publishLocked(expected);
        if (published !== 'conflict') return published;
        if (attempt >= PUBLISH_ATTEMPTS)
          throw new PhotolalaError(
            'CONFLICT',
            `could not publish the catalog of ${this.ctx.source.uri}: its pointer changed under each of ${attempt} attempts (other machines publishing); the changes are kept for the next save`,
            { backend: 'catalog' },
          );
      }
    });
  }

  /**
   * Takes in the newest snapshot, when another process published one, with this session's changes
   * replayed. Returns the root pointer's version as it was before it was read, for the conditional
   * write of the pointer (undefined where the root has none, or nothing was read).
   */
  private async catchUp(always = false): Promise<WriteCondition | undefined> {
    // Nothing will be written, so nothing can be erased, and a remote root is spared a request.
    if (!always && this.unchangedSincePublished()) return undefined;
    // Taken before the pointer is read: a pointer changed in between fails the write, never passes.
    const expected = await this.stores[0]!.pointerVersion().catch(() => undefined);
    const { newer, pointers } = await findNewerSnapshot(
      this.stores[0]!,
      this.mirror,
      { catalogMd5: this.ctx.state.currentMd5, generation: this.ctx.state.generation },
      this.ctx.options.maxSnapshotBytes,
      this.verified,
    );
    for (const store of ['root', 'mirror'] as const)
      if (pointers[store] !== undefined) this.ctx.state.knownPointers[store] = pointers[store];
    if (!newer) return expected;
    try {
      if (!this.hasSessionChanges()) {
        // Nothing of this session's to keep: continue on the newer snapshot as it stands.
        await this.ctx.working.replace(newer.db, newer.file, this.ctx.working.workFile);
        if (isUnreadableSchema(this.ctx.working.db)) upgradeSchema(await this.ctx.working.writable());
      } else {
        newer.db.close();
        const ours = await this.ctx.working.writable();
        // Its documents go into the head as they are stored: as the head stores them (see storedDocument).
        upgradeSchema(ours);
        const workFile = newWorkFilePath(this.mirror.dir);
        await fsp.copyFile(newer.file, workFile);
        try {
          upgradeSchemaFile(workFile, openWorkingFile);
          rebaseOnto(ours, workFile, this.ctx.state.session);
        } catch (error) {
          await removeWorkFile(workFile);
          throw error;
        }
        const db = openWorkingFile(workFile);
        hardenDatabase(db);
        takeSessionPaths(db);
        regroupSessionFolders(db);
        await this.ctx.working.replace(db, undefined, workFile);
        this.ctx.state.dirty = true;
      }
    } catch (error) {
      if (newer.db.open && newer.db !== this.ctx.working.db) newer.db.close();
      throw error;
    }
    this.ctx.state.currentMd5 = newer.catalogMd5;
    this.ctx.state.generation = newer.generation;
    this.ctx.events.emit('snapshot-taken-in', { catalogMd5: newer.catalogMd5 });
    return expected;
  }

  /**
   * Takes in the snapshot another process published since this one loaded or published (a
   * `photolala scan` in another terminal), as a publish first does, under the mirror's lock: this
   * session's unsaved changes are replayed onto it. Resolves to whether the catalog changed.
   */
  takeInNewer(): Promise<boolean> {
    return withMirrorLock(this.mirror.dir, async () => {
      const before = this.ctx.state.currentMd5;
      await this.catchUp(true);
      return this.ctx.state.currentMd5 !== before;
    });
  }

  /**
   * Whether a pointer (the mirror's; the root's too with `root`) names another snapshot first than
   * this catalog's and has changed since this process last read or wrote it: a small read each, and
   * no snapshot read, for a caller that asks often whether another process published.
   */
  async pointersMoved(root: boolean): Promise<boolean> {
    for (const store of this.stores) {
      if (store.name === 'root' && !root) continue;
      const lines = await store.readPointer().catch(() => undefined);
      if (lines === undefined || lines[0] === this.ctx.state.currentMd5) continue;
      if (lines.join('\n') !== this.ctx.state.knownPointers[store.name]?.join('\n')) return true;
    }
    return false;
  }

  /**
   * What publishing gives when nothing changed since the snapshot both pointers name (as this
   * process last read or wrote them): that snapshot, with nothing written. Serializing would only
   * make its very bytes again, a `VACUUM INTO` and an MD5 of the whole file (about a second for 100k
   * photos) on every unchanged scan; `publishSnapshot` would then send nothing either.
   */
  private unchangedPublish() {
    const md5 = this.ctx.state.currentMd5;
    if (md5 === undefined || !this.unchangedSincePublished() || !this.ctx.working.listingIsCurrent)
      return undefined;
    const warnings = this.stores
      .filter((store) => !store.writable)
      .map((store) => readOnlyWarning(store.name));
    for (const warning of warnings) this.ctx.events.emit('warning', warning);
    const snapshots = this.stores
      .filter((store) => store.writable)
      .map((store) => store.locate(snapshotFileName(md5)));
    this.ctx.events.emit('snapshot-written', { catalogMd5: md5, snapshots, wroteNew: false });
    return { catalogMd5: md5, snapshots, wroteNew: false, warnings, failed: [] };
  }

  /**
   * Whether nothing changed since the snapshot that both pointers name, as this process last read
   * or wrote them: then publishing has nothing to write.
   */
  private unchangedSincePublished(): boolean {
    const { dirty, currentMd5, knownPointers } = this.ctx.state;
    return (
      !dirty &&
      currentMd5 !== undefined &&
      knownPointers.root?.[0] === currentMd5 &&
      knownPointers.mirror?.[0] === currentMd5
    );
  }

  private hasSessionChanges(): boolean {
    const { stars, synced, unlisted } = this.ctx.state.session;
    if (stars.length > 0 || synced.length > 0 || unlisted) return true;
    this.ctx.working.db.exec(SESSION_PATHS);
    return this.ctx.working.db.prepare('SELECT 1 FROM temp.session_paths LIMIT 1').get() !== undefined;
  }

  private async publishLocked(expected?: WriteCondition): Promise<PublishResult | 'conflict'> {
    const unchanged = this.unchangedPublish();
    if (unchanged) return unchanged;
    const mirror = this.mirror.dir;
    if (!this.ctx.working.listingIsCurrent) {
      const db = await this.ctx.working.writable();
      upgradeSchema(db);
      writeListing(db, ENTRY_COLUMN_LIST);
      this.ctx.working.listingRebuilt();
    }
    const snapshot = await serializeSnapshot(this.ctx.working.db, mirror, {
      catalogMd5: this.ctx.state.currentMd5,
      generation: this.ctx.state.generation,
    });
    const { catalogMd5, generation } = snapshot;
    let result: Awaited<ReturnType<typeof publishSnapshot>>;
    this.snapshotsInProgress.add(snapshot.file);
    try {
      result = await publishSnapshot(
        this.stores,
        snapshot,
        this.ctx.options.keepSnapshots,
        this.ctx.state.knownPointers,
        this.verified,
        (progress) => this.ctx.events.emit('snapshot-progress', progress),
        expected ? { root: expected } : {},
      );
    } finally {
      await snapshot.dispose();
      this.snapshotsInProgress.delete(snapshot.file);
    }
    if (result.conflict) return 'conflict';
    for (const warning of result.warnings) this.ctx.events.emit('warning', warning);
    if (result.pointers.length === 0) {
      throw new PhotolalaError(
        'IO',
        `could not publish the catalog of ${this.ctx.source.uri}: ${result.warnings.map((w) => w.message).join('; ')}`,
        {
          backend: 'catalog',
        },
      );
    }
    this.ctx.state.currentMd5 = catalogMd5;
    this.ctx.state.generation = generation;
    this.ctx.state.dirty = false;
    this.ctx.state.session = { stars: [], synced: [] };
    this.ctx.working.db.exec(SESSION_PATHS);
    this.ctx.working.db.exec('DELETE FROM temp.session_paths');
    // Every star change so far is in the snapshot now.
    await this.starJournal.clear().catch(() => {});
    this.ctx.events.emit('snapshot-written', {
      catalogMd5,
      snapshots: result.snapshots,
      wroteNew: result.wroteNew,
    });
    return { catalogMd5, ...result };
  }

  /** The bytes of the snapshot last loaded or published (from the mirror, else the root), verified. */
  async snapshotBytes(): Promise<{ catalogMd5: string; bytes: Buffer } | undefined> {
    const md5 = this.ctx.state.currentMd5;
    if (!md5) return undefined;
    for (const store of [...this.stores].reverse()) {
      const bytes = await store.readSnapshot(md5, this.ctx.options.maxSnapshotBytes).catch(() => undefined);
      if (bytes && md5Hex(bytes) === md5) return { catalogMd5: md5, bytes };
    }
    return undefined;
  }

  /** Both pointers and every snapshot they name, checked against their hashes. */
  inspectSnapshots(): Promise<StoreReport[]> {
    return inspectStores(this.stores, this.ctx.options.maxSnapshotBytes);
  }

  /**
   * Removes what killed processes left at the top of the root (see removeRootLeftovers), judged
   * against the pointers as this publish left them. Never fails a scan.
   */
  async removeRootLeftovers(files: RootCatalogFile[], catalogMd5: string): Promise<void> {
    if (files.length === 0) return;
    const named = new Set([
      ...(this.ctx.state.knownPointers.root ?? []),
      ...(this.ctx.state.knownPointers.mirror ?? []),
    ]);
    await removeRootLeftovers(this.ctx.source, files, {
      named,
      generation: this.ctx.state.generation,
      rootPointerCurrent: this.ctx.state.knownPointers.root?.[0] === catalogMd5,
    }).catch(() => []);
  }
}
