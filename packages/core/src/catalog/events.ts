import { EventEmitter, on } from 'node:events';

/**
 * The stage of a scan a `progress` event reports: listing the root, digesting photos, writing the snapshot.
 */
export type ScanPhase = 'discover' | 'digest' | 'write';

/** Every change notification a catalog sends, by name. */
export interface CatalogEventMap {
  /** Scan progress: files discovered so far, images digested so far, and the total to digest. */
  progress: { phase: ScanPhase; discovered: number; digested: number; total: number };
  'entries-added': { paths: string[] };
  'entries-removed': { paths: string[] };
  'entries-changed': { paths: string[] };
  'entries-moved': { moves: { from: string; to: string }[] };
  /**
   * A photo's thumbnail is in the cache. From a scan, with the file's mtime: what the photo is dated
   * by until its capture date is known, as the finished catalog dates it.
   */
  'thumbnail-ready': { path: string; photoMd5: string; thumbnailPath: string; mtimeMs?: number };
  'star-changed': { path: string; photoMd5: string | null; starred: boolean };
  /**
   * A snapshot being written to a store as the catalog publishes it: bytes so far of its size. For a
   * remote root that is an upload (about 88 MB for 100k photos) after every scan or save that changed
   * the catalog.
   */
  'snapshot-progress': { store: 'root' | 'mirror'; catalogMd5: string; bytes: number; totalBytes: number };
  'snapshot-written': { catalogMd5: string; snapshots: string[]; wroteNew: boolean };
  /**
   * The catalog took in a snapshot another process published (as it publishes, or on `refresh`),
   * with this session's unsaved changes replayed onto it: any entry may have changed, and no
   * `entries-*` event says which.
   */
  'snapshot-taken-in': { catalogMd5: string };
  /** Something the user should know that did not stop the work (a read-only root, an unreadable folder). */
  warning: CatalogWarning;
}

/**
 * What a catalog's warning is about, as data, for a front end to group or count warnings by, never
 * by their wording: `READ_ONLY`, a store (the root) that takes no writes, so the catalog is kept in
 * the cache mirror only. It comes on every save of such a root, worded with the system's refusal or
 * without it.
 */
export type CatalogWarningCode = 'READ_ONLY';

/** A `warning` event: its message for the user, and what it is about where a front end may ask. */
export interface CatalogWarning {
  message: string;
  /** The file it concerns, relative to the root, when there is one. */
  path?: string;
  code?: CatalogWarningCode;
}

/** The name of a catalog event: a key of `CatalogEventMap`. */
export type CatalogEventName = keyof CatalogEventMap;

/** A typed event emitter whose events can also be consumed as async iterators. */
export class CatalogEvents {
  private readonly emitter = new EventEmitter({ captureRejections: true });

  constructor() {
    // Many browser views may listen at once.
    this.emitter.setMaxListeners(0);
  }

  on<K extends CatalogEventName>(name: K, listener: (event: CatalogEventMap[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  emit<K extends CatalogEventName>(name: K, event: CatalogEventMap[K]): void {
    this.emitter.emit(name, event);
  }

  /** The events of one kind as an async iterator; ends when `signal` aborts. */
  async *iterate<K extends CatalogEventName>(
    name: K,
    signal?: AbortSignal,
  ): AsyncGenerator<CatalogEventMap[K]> {
    try {
      for await (const [event] of on(this.emitter, name, signal ? { signal } : {}))
        yield event as CatalogEventMap[K];
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  }
}
