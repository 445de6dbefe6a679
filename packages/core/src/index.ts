// The main entry of @photolala/core. Every name is listed, so that the public API is a decision and
// not whatever a module happens to export: test/entries.test.ts lists the names of each entry, and
// fails when one is added or removed here without being added to or removed from its list there.
// These are the public API and the backend contract; the internals are only in
// @photolala/core/internals: see the README, "Entries and what is public". The contract is listed
// once, name by name, in backend.ts (@photolala/core/backend), and taken in whole here.

export * from './backend.js';
export { type CachedFilePaths, PhotoCache, resolveCacheRoot } from './cache/cache.js';
export { type PruneCacheOptions, type PruneCacheReport, pruneCache } from './cache/cache-prune.js';
export { GROUP_ROLES, type GroupRole } from './catalog/groups.js';
export {
  Catalog,
  type CatalogEntry,
  type CatalogEventMap,
  type CatalogEventName,
  CatalogEvents,
  type CatalogLoadInfo,
  type CatalogWarning,
  type CatalogWarningCode,
  type EntryLines,
  entryJson,
  type FirstScreen,
  type FirstScreenPhoto,
  type ListOptions,
  type LoadSource,
  type MonthStart,
  type MonthStarts,
  newestSnapshotFile,
  type OpenCatalogOptions,
  openCatalog,
  SCHEMA_VERSION,
  type ScanOptions,
  type ScanPhase,
  type ScanResult,
  type SkippedSnapshot,
  type SnapshotReadProgress,
  type SnapshotReport,
  type SnapshotWriteProgress,
  type StarQueueRow,
  type StatusResult,
  type StoreName,
  type StoreReport,
  snapshotGeneration,
} from './catalog/index.js';
export { type SyncOptions, type SyncReport, syncStarsToCloud } from './cloud/sync.js';
export {
  type ComparedPhoto,
  type CompareResult,
  type CorruptPhoto,
  compareCatalogs,
  DEFAULT_SIMILARITY_THRESHOLD,
  type DuplicateGroup,
  type DuplicateOptions,
  type DuplicateReport,
  findDuplicates,
  findSimilar,
  hammingDistance,
  PERCEPTUAL_HASH,
  type PhotoColumns,
  type PhotoCopy,
  perceptualHash,
  type SimilarGroup,
  type SimilarMember,
  type SimilarOptions,
  type SimilarReport,
  type VerifyPhotosOptions,
  type VerifyPhotosReport,
  verifyPhotos,
} from './compare/index.js';
export { fastPhotoKey, HEAD_BYTES, isFastPhotoKey, isMd5 } from './digest/identity.js';
export { type EntryKind, IMAGE_KINDS, type ImageKind, isImageKind, isRawKind } from './digest/image-kind.js';
export { METADATA_VERSION, type MetadataDocument, metadataDocumentSchema } from './digest/metadata.js';
export { takenAtForm } from './digest/taken-at.js';
export { FFMPEG_MISSING } from './digest/video.js';
export {
  type BackendRegistryOptions,
  configuredBackends,
  loadBackend,
  type OpenedRoot,
  type OpenRootOptions,
  openRoot,
} from './source/registry.js';
