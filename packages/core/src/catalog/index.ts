export { Catalog, openCatalog } from './catalog.js';
export type {
  CatalogLoadInfo,
  ListOptions,
  OpenCatalogOptions,
  ScanOptions,
  ScanResult,
  StarQueueRow,
  StatusResult,
} from './catalog-types.js';
export { type EntryLines, entryJson } from './entry-json.js';
export type { CatalogEntry } from './entry-row.js';
export {
  type CatalogEventMap,
  type CatalogEventName,
  CatalogEvents,
  type CatalogWarning,
  type CatalogWarningCode,
  type ScanPhase,
} from './events.js';
export type { FirstScreen, FirstScreenPhoto, MonthStart, MonthStarts } from './first-screen.js';
export { inspectStores, type SnapshotReport, type StoreReport } from './inspect.js';
export { removeMirrorLeftovers, STALE_LEFTOVER_MS } from './leftovers.js';
export { LOCK_FILE } from './mirror-lock.js';
export { DEFAULT_RETENTION, formatPointer, POINTER_FILE, parsePointer, snapshotFileName } from './pointer.js';
export {
  type EntryLookup,
  type EntryStat,
  type PlanOptions,
  planScan,
  type ReadFile,
  type ScanPlan,
} from './scan-plan.js';
export { SCHEMA_VERSION } from './schema.js';
export {
  mirrorStore,
  rootStore,
  type SnapshotBytesListener,
  type SnapshotStore,
  type StoreName,
} from './snapshot-store.js';
export {
  type LoadSource,
  newestSnapshotFile,
  type OpenedSnapshot,
  openSnapshotBytes,
  type SkippedSnapshot,
  type SnapshotReadProgress,
  type SnapshotWriteProgress,
  snapshotGeneration,
} from './snapshots.js';
export { VERIFIED_FILE } from './verified-snapshots.js';
