export { photolalaBackend } from './plugin.js';
export { createS3Source, isPlainMd5Etag, type S3SourceOptions } from './s3-source.js';
