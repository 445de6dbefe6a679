/**
 * `@photolala/core/internals`: the parts of the catalog's machinery that this repository's CLI,
 * gallery, tests and benchmarks reach into (the digester, the scan planner, snapshot stores and
 * pointers, the file names of the on-disk layout, thumbnail and video rendering). They are NOT public
 * API and not covered by semantic versioning: any release may change or remove them. An app or a
 * backend should need none of them; if yours does, open an issue saying what for.
 *
 * The main entry does not export these names (0.1 did).
 * @packageDocumentation
 */

export { CACHE_SHARDS, CACHED_FILE_KINDS } from './cache/cache.js';
export { LISTING_CHUNK_ROWS } from './catalog/bulk-read.js';
export { computeGroups } from './catalog/groups.js';
export { inspectStores } from './catalog/inspect.js';
export { removeMirrorLeftovers, STALE_LEFTOVER_MS } from './catalog/leftovers.js';
export { LOCK_FILE } from './catalog/mirror-lock.js';
export {
  DEFAULT_RETENTION,
  formatPointer,
  POINTER_FILE,
  parsePointer,
  snapshotFileName,
} from './catalog/pointer.js';
export {
  type EntryLookup,
  type EntryStat,
  type PlanOptions,
  planScan,
  type ReadFile,
  type ScanPlan,
} from './catalog/scan-plan.js';
export {
  mirrorStore,
  rootStore,
  type SnapshotBytesListener,
  type SnapshotStore,
} from './catalog/snapshot-store.js';
export { type OpenedSnapshot, openSnapshotBytes } from './catalog/snapshots.js';
export { VERIFIED_FILE } from './catalog/verified-snapshots.js';
export { cloudKeys } from './cloud/sync.js';
export {
  groupByHamming,
  groupByHammingAllPairs,
  type PackedHashes,
  packHashes,
} from './compare/hamming-groups.js';
export { perceptualHashOfPixels } from './compare/perceptual-hash.js';
export { Digester } from './digest/digest.js';
export {
  type DigestContext,
  type DigestLimits,
  type DigestResult,
  LOCAL_DIGEST_LIMITS,
  REMOTE_DIGEST_LIMITS,
  type VideoWithoutPoster,
} from './digest/digest-types.js';
export { md5Hex, md5OfStream } from './digest/identity.js';
export {
  type DetectedImage,
  type DetectedMedia,
  type DetectedVideo,
  detectImageKind,
  detectJpeg,
  detectMediaKind,
  imageExtensionOf,
  namedAsImage,
  notAnImageReason,
} from './digest/image-kind.js';
export {
  applyLibraryAttributes,
  buildMetadataDocument,
  type ExifFacts,
  extensionOf,
  jpegHeaderLength,
  readExif,
} from './digest/metadata.js';
export { findEmbeddedJpegs } from './digest/raw-preview.js';
export {
  PREVIEW_SIZE,
  type RenderedThumbnail,
  type RenderOptions,
  renderThumbnail,
  THUMBNAIL_QUALITY,
  THUMBNAIL_SIZE,
} from './digest/thumbnail.js';
export {
  buildVideoDocument,
  findVideoTools,
  iso6709,
  probeVideo,
  quickTimeDate,
  renderPoster,
  VIDEO_TIMEOUT_MS,
  type VideoFacts,
  type VideoTools,
} from './digest/video.js';
export { readWholeFile } from './digest/whole-file.js';
export { readXmp, type XmpFacts, xmpDate } from './digest/xmp.js';
export {
  applicationStore,
  CATALOG_FILE_PATTERN,
  catalogFilter,
  SYSTEM_FILE_NAMES,
  SYSTEM_FOLDER_NAMES,
} from './source/enumerate-filter.js';
export { unreachableSource } from './source/unreachable-source.js';
export { refusesWrites } from './source/write-probe.js';
