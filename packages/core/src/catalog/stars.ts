import { promises as fsp } from 'node:fs';
import { describeError } from '../source/errors.js';
import type { CatalogContext } from './catalog-context.js';
import type { StarQueueRow } from './catalog-types.js';
import type { EntryQueries } from './entry-queries.js';
import type { CatalogEntry } from './entry-row.js';
import { writeStarChange } from './rebase.js';
import { orphanedStarChanges, type StarJournal } from './star-journal.js';

/**
 * Stars and the queue of their changes for cloud sync: each change is written to the working
 * database, kept in the session's changes (to be replayed onto a newer snapshot), and journaled
 * on disk until a snapshot holds it.
 */
export class Stars {
  constructor(
    private readonly ctx: CatalogContext,
    private readonly entries: EntryQueries,
    private readonly journal: StarJournal,
  ) {}

  /** Sets or clears a star (see Catalog.star); the caller runs it on the write queue. */
  async set(id: string, starred: boolean): Promise<CatalogEntry> {
    // Unstarring needs no digest: it also clears a star an older version allowed on a non-photo.
    const entry = starred ? this.entries.requireImage(id, 'cannot be starred') : this.entries.require(id);
    if (entry.starred === starred) return entry;
    await this.ctx.working.writable();
    const atMs = Date.now();
    const written = this.ctx.working.db.transaction(() =>
      writeStarChange(this.ctx.working.db, 'main', entry, starred, atMs),
    )();
    // A change that cancels one of this session's own leaves nothing to replay onto a newer snapshot.
    const cancelled = this.ctx.state.session.stars.findIndex(
      (c) => c.seq !== undefined && c.seq === written.cancelled,
    );
    if (cancelled >= 0) this.ctx.state.session.stars.splice(cancelled, 1);
    else
      this.ctx.state.session.stars.push({
        path: entry.path,
        starred,
        photoMd5: entry.photoMd5,
        atMs,
        seq: written.inserted,
      });
    this.ctx.state.dirty = true;
    try {
      await this.journal.record({ path: entry.path, starred, photoMd5: entry.photoMd5 });
    } catch (error) {
      // The star stands; only its protection against a crash before the next save is missing.
      this.ctx.events.emit('warning', {
        message: `could not journal the star change of ${entry.path}: ${describeError(error)}`,
        path: entry.path,
      });
    }
    this.ctx.events.emit('star-changed', { path: entry.path, photoMd5: entry.photoMd5, starred });
    return { ...entry, starred };
  }

  /** The star operations waiting for cloud sync, oldest first. */
  queue(): StarQueueRow[] {
    return (
      this.ctx.working.db
        .prepare(
          'SELECT seq, operation, photo_md5, fast_photo_key, path, at_ms, state FROM star_queue ORDER BY seq',
        )
        .all() as {
        seq: number;
        operation: 'star' | 'unstar';
        photo_md5: string | null;
        fast_photo_key: string;
        path: string;
        at_ms: number;
        state: string;
      }[]
    ).map((r) => ({
      seq: r.seq,
      operation: r.operation,
      photoMd5: r.photo_md5,
      fastPhotoKey: r.fast_photo_key,
      path: r.path,
      atMs: r.at_ms,
      state: r.state,
    }));
  }

  /** Marks a star-queue row as synced; call only after the cloud confirmed the upload or delete. */
  async markSynced(seq: number): Promise<void> {
    await this.ctx.working.writable();
    const row = this.ctx.working.db
      .prepare(`SELECT operation, path, photo_md5, at_ms FROM star_queue WHERE seq = ? AND state = 'pending'`)
      .get(seq) as { operation: string; path: string; photo_md5: string | null; at_ms: number } | undefined;
    if (!row) return;
    this.ctx.working.db.prepare(`UPDATE star_queue SET state = 'done' WHERE seq = ?`).run(seq);
    this.ctx.state.session.synced.push({
      operation: row.operation,
      path: row.path,
      photoMd5: row.photo_md5,
      atMs: row.at_ms,
    });
    this.ctx.state.dirty = true;
  }

  /**
   * Stars and unstars that a session made and never published (it crashed, or its app never saved)
   * are made again here (through `set`, the catalog's queued setStar), as this catalog's own: journaled, and published by the next save. A star
   * is replayed only onto the photo that was starred; one whose file changed since is dropped.
   */
  async replayOrphaned(
    mirrorDir: string,
    set: (path: string, starred: boolean) => Promise<unknown>,
  ): Promise<number> {
    const { changes, files } = await orphanedStarChanges(mirrorDir);
    let replayed = 0;
    for (const change of changes) {
      const entry = this.entries.get(change.path);
      if (!entry || entry.path !== change.path || entry.starred === change.starred) continue;
      if (change.starred && entry.photoMd5 !== change.photoMd5) continue;
      try {
        await set(entry.path, change.starred);
        replayed++;
      } catch {
        // The catalog cannot be written now (a full disk, say): opening it must not fail for
        // that, and the old journals stay for a later open to replay.
        return replayed;
      }
    }
    // The changes are this session's now (in its own journal); the old files are done with.
    for (const file of files) await fsp.rm(file, { force: true });
    return replayed;
  }
}
