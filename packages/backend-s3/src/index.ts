export { createS3CloudStore, MULTIPART_THRESHOLD } from './cloud-store.js';
export { photolalaBackend, s3OptionsFromEnv } from './plugin.js';
export {
  createS3Client,
  createS3Source,
  isPlainMd5Etag,
  relativeKey,
  type S3SourceOptions,
} from './s3-source.js';
