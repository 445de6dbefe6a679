import type { PhotoCache } from '../cache/cache.js';
import type { RootSource } from '../source/root-source.js';
import type { ResolvedCatalogOptions } from './catalog-types.js';
import type { CatalogEvents } from './events.js';
import type { SessionChanges } from './rebase.js';
import type { LoadedSnapshot } from './snapshot-load.js';
import type { WorkingDatabase } from './snapshots.js';

/**
 * Where the catalog stands against its published snapshots: shared by the parts that change the
 * working database (scan, stars) and the one that publishes it.
 */
export interface CatalogState {
  /** Whether the working database holds changes that no snapshot has yet. */
  dirty: boolean;
  /** The catalog-md5 of the snapshot this catalog was loaded from or last published. */
  currentMd5: string | undefined;
  /** The generation of the snapshot `currentMd5` names; the next one with changes is one more. */
  generation: number;
  /** Pointer lines as this process last read or wrote them, per store (see publishSnapshot). */
  knownPointers: Partial<Record<'root' | 'mirror', string[]>>;
  /**
   * What this session changed since `currentMd5`, replayed onto a newer snapshot should another
   * process publish one meanwhile (see Publisher); the scans' paths are in the temp table session_paths.
   */
  session: SessionChanges;
}

/**
 * What each part of a catalog is handed: the root, the working database, the cache, the events, the
 * options and the shared state. Never the Catalog itself, so that the parts import no facade and
 * form no cycle.
 */
export interface CatalogContext {
  readonly source: RootSource;
  /** Read-only until the first write; a write awaits `working.writable()` and then reads `working.db`. */
  readonly working: WorkingDatabase;
  readonly cache: PhotoCache;
  readonly events: CatalogEvents;
  readonly options: ResolvedCatalogOptions;
  readonly state: CatalogState;
}

/** The state of a catalog just loaded: no changes yet, at the snapshot it was loaded from. */
export function loadedState(loaded: LoadedSnapshot): CatalogState {
  return {
    dirty: false,
    currentMd5: loaded.catalogMd5,
    generation: loaded.generation,
    knownPointers: { ...loaded.pointers },
    session: { stars: [], synced: [] },
  };
}
