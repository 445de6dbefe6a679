export { createS3CloudStore, MULTIPART_THRESHOLD } from './cloud-store.js';
export { photolalaBackend, s3OptionsFromEnv } from './plugin.js';
export { createS3Client } from './s3-client.js';
export { isPlainMd5Etag, relativeKey } from './s3-keys.js';
export { createS3Source, type S3SourceOptions } from './s3-source.js';
