// The main entry of @photolala/core. Every name is listed, so that the public API is a decision and
// not whatever a module happens to export: test/entries.test.ts lists the names of each entry, and
// fails when one is added or removed here without being added to or removed from its list there.
// Which of these are public API, which are the backend contract (@photolala/core/backend) and which
// are internals still exported for compatibility (@photolala/core/internals): see the README,
// "Entries and what is public".

export { destroyOnAbort, raceAbort } from './abortable.js';
export { writeFileAtomic } from './atomic-file.js';
export {
  type BackendPlugin,
  isBackendPlugin,
  requestTimeoutFromEnv,
  type SourceFactoryContext,
} from './backend-plugin.js';
export {
  CACHE_SHARDS,
  CACHED_FILE_KINDS,
  type CachedFilePaths,
  type CacheShard,
  isCacheShardName,
  PhotoCache,
  resolveCacheRoot,
} from './cache.js';
export { type PruneCacheOptions, type PruneCacheReport, pruneCache } from './cache-prune.js';
export {
  Catalog,
  type CatalogEntry,
  type CatalogEventMap,
  type CatalogEventName,
  CatalogEvents,
  type CatalogLoadInfo,
  DEFAULT_RETENTION,
  type EntryLookup,
  type EntryStat,
  formatPointer,
  inspectStores,
  type ListOptions,
  LOCK_FILE,
  type LoadSource,
  mirrorStore,
  newestSnapshotFile,
  type OpenCatalogOptions,
  type OpenedSnapshot,
  openCatalog,
  openSnapshotBytes,
  type PlanOptions,
  POINTER_FILE,
  parsePointer,
  planScan,
  type ReadFile,
  removeMirrorLeftovers,
  rootStore,
  SCHEMA_VERSION,
  type ScanOptions,
  type ScanPhase,
  type ScanPlan,
  type ScanResult,
  type SkippedSnapshot,
  type SnapshotBytesListener,
  type SnapshotReadProgress,
  type SnapshotReport,
  type SnapshotStore,
  type SnapshotWriteProgress,
  STALE_LEFTOVER_MS,
  type StatusResult,
  type StoreName,
  type StoreReport,
  snapshotFileName,
  snapshotGeneration,
  VERIFIED_FILE,
} from './catalog/index.js';
export {
  type CloudObjectStore,
  cloudKeys,
  type SyncOptions,
  type SyncReport,
  syncStarsToCloud,
} from './cloud/sync.js';
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
  groupByHamming,
  groupByHammingAllPairs,
  hammingDistance,
  type PackedHashes,
  PERCEPTUAL_HASH,
  type PhotoColumns,
  type PhotoCopy,
  packHashes,
  perceptualHash,
  perceptualHashOfPixels,
  type SimilarGroup,
  type SimilarMember,
  type SimilarOptions,
  type SimilarReport,
  type VerifyPhotosOptions,
  type VerifyPhotosReport,
  verifyPhotos,
} from './compare/index.js';
export {
  type DigestContext,
  Digester,
  type DigestLimits,
  type DigestResult,
  LOCAL_DIGEST_LIMITS,
  REMOTE_DIGEST_LIMITS,
  readWholeFile,
  type VideoWithoutPoster,
} from './digest.js';
export {
  applicationStore,
  CATALOG_FILE_PATTERN,
  catalogFilter,
  everythingFilter,
  SYSTEM_FILE_NAMES,
  SYSTEM_FOLDER_NAMES,
  TEMP_FILE_PREFIX,
} from './enumerate-filter.js';
export {
  describeError,
  ERROR_CODES,
  type ErrorCode,
  fromSystemError,
  isPhotolalaError,
  isTransientFailure,
  PhotolalaError,
  type PhotolalaErrorOptions,
  unlessMissing,
} from './errors.js';
export {
  fastPhotoKey,
  HEAD_BYTES,
  isApplePhotoId,
  isFastPhotoKey,
  isMd5,
  md5Hex,
  md5OfStream,
} from './identity.js';
export {
  type DetectedImage,
  type DetectedMedia,
  type DetectedVideo,
  detectImageKind,
  detectJpeg,
  detectMediaKind,
  type EntryKind,
  IMAGE_KINDS,
  type ImageKind,
  imageExtensionOf,
  isImageKind,
  isRawKind,
  namedAsImage,
  notAnImageReason,
} from './image-kind.js';
export {
  applyLibraryAttributes,
  buildMetadataDocument,
  type ExifFacts,
  extensionOf,
  jpegHeaderLength,
  METADATA_VERSION,
  type MetadataDocument,
  metadataDocumentSchema,
  readExif,
} from './metadata.js';
export { joinRelative, parentOf, resolveInside, validateRelativePath } from './paths.js';
export { findEmbeddedJpegs } from './raw-preview.js';
export {
  notRegularFile,
  OPEN_FOR_READING,
  openRegularFile,
  readRegularFile,
  specialFileKind,
} from './regular-file.js';
export {
  defineRootSource,
  type EnumerateFilter,
  type EnumerateIssue,
  type EnumerateOptions,
  type ReadableRootSource,
  type ReadOptions,
  type RootSource,
  type SourceAttributes,
  type SourceCapabilities,
  type SourceEntry,
  type WriteCondition,
} from './root-source.js';
export {
  canonicalRootUri,
  parseRootUri,
  ROOT_URI_ERROR_BACKEND,
  type RootLocation,
  redactRootUri,
} from './root-uri.js';
export { ServerSpellings } from './server-spellings.js';
export { type ServerFolderItem, type ServerFolderLister, walkServerFolders } from './server-walk.js';
export { readStreamPrefix, streamFileCounting } from './stream-prefix.js';
export {
  PREVIEW_SIZE,
  type RenderedThumbnail,
  type RenderOptions,
  renderThumbnail,
  THUMBNAIL_QUALITY,
  THUMBNAIL_SIZE,
} from './thumbnail.js';
export { unreachableSource } from './unreachable-source.js';
export {
  buildVideoDocument,
  FFMPEG_MISSING,
  findVideoTools,
  iso6709,
  probeVideo,
  quickTimeDate,
  renderPoster,
  VIDEO_TIMEOUT_MS,
  type VideoFacts,
  type VideoTools,
} from './video.js';
export { refusesWrites } from './write-probe.js';
export { readXmp, type XmpFacts, xmpDate } from './xmp.js';
