export { type ApplePhotosSourceOptions, createApplePhotosSource } from './apple-photos-source.js';
export {
  CORE_DATA_EPOCH_OFFSET,
  libraryTakenAt,
  type PhotosAsset,
  type PhotosLibrary,
  readPhotosLibrary,
} from './photos-database.js';
export { photolalaBackend } from './plugin.js';
