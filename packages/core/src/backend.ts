/**
 * `@photolala/core/backend`: what a storage backend is written against, and nothing about catalogs.
 * The `RootSource` contract and its types, coded errors and their brand check, relative-path
 * validation, root URIs, the `BackendPlugin` a package exports for front ends to load it by scheme,
 * and the helpers our own backends share (regular-file reads, atomic writes, stream prefixes, the
 * walk of a server's folders). Every name here is also exported by the main entry.
 *
 * The conformance suite a backend runs is in `@photolala/core/testing`.
 * @packageDocumentation
 */

export { type CacheShard, isCacheShardName } from './cache/cache.js';
export type { CloudObjectStore } from './cloud/sync.js';
export { isApplePhotoId } from './digest/identity.js';
export { destroyOnAbort, raceAbort } from './source/abortable.js';
export { writeFileAtomic } from './source/atomic-file.js';
export {
  type BackendPlugin,
  isBackendPlugin,
  requestTimeoutFromEnv,
  type SourceFactoryContext,
} from './source/backend-plugin.js';
export { everythingFilter, TEMP_FILE_PREFIX } from './source/enumerate-filter.js';
export {
  type DescribeErrorOptions,
  describeError,
  ERROR_CODES,
  type ErrorCode,
  fromSystemError,
  isPhotolalaError,
  isTransientFailure,
  PhotolalaError,
  type PhotolalaErrorOptions,
  SYSTEM_ERROR_CODES,
  unlessMissing,
} from './source/errors.js';
export {
  defineNativeErrors,
  guardSource,
  type NativeCode,
  type NativeErrorMap,
  type NativeErrors,
} from './source/guard-source.js';
export { joinRelative, parentOf, resolveInside, validateRelativePath } from './source/paths.js';
export {
  notRegularFile,
  OPEN_FOR_READING,
  openRegularFile,
  readRegularFile,
  specialFileKind,
} from './source/regular-file.js';
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
  type SourceListing,
  type WriteCondition,
} from './source/root-source.js';
export {
  canonicalRootUri,
  parseRootUri,
  ROOT_URI_ERROR_BACKEND,
  type RootLocation,
  redactRootUri,
} from './source/root-uri.js';
export { ServerSpellings } from './source/server-spellings.js';
export { type ServerFolderItem, type ServerFolderLister, walkServerFolders } from './source/server-walk.js';
export { readStreamPrefix, streamFileCounting } from './source/stream-prefix.js';
