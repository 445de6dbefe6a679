export * from './atomic-file.js';
export * from './backend-plugin.js';
export * from './cache.js';
export * from './cache-prune.js';
export * from './catalog/index.js';
export {
  type CloudObjectStore,
  cloudKeys,
  type SyncOptions,
  type SyncReport,
  syncStarsToCloud,
} from './cloud/sync.js';
export * from './compare/index.js';
export * from './digest.js';
export * from './enumerate-filter.js';
export * from './errors.js';
export * from './identity.js';
export * from './image-kind.js';
export * from './metadata.js';
export * from './paths.js';
export * from './raw-preview.js';
export * from './regular-file.js';
export * from './root-source.js';
export * from './root-uri.js';
export * from './server-spellings.js';
export * from './server-walk.js';
export * from './stream-prefix.js';
export * from './thumbnail.js';
export * from './unreachable-source.js';
export * from './video.js';
export * from './write-probe.js';
