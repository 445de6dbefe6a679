import { type BackendPlugin, requestTimeoutFromEnv } from '@photolala/core/backend';
import { createS3CloudStore } from './cloud-store.js';
import { createS3Client } from './s3-client.js';
import { createS3Source, type S3SourceOptions } from './s3-source.js';

/**
 * Client settings from the environment. Credentials, region and endpoint come from the AWS SDK's
 * standard chain (`AWS_PROFILE`, `AWS_ACCESS_KEY_ID`, `AWS_REGION`, `AWS_ENDPOINT_URL_S3`, ...). For
 * S3-compatible stores set `PHOTOLALA_S3_FORCE_PATH_STYLE=1` and, where the server mishandles the
 * SDK's default checksums, `PHOTOLALA_S3_CHECKSUMS=WHEN_REQUIRED`.
 */
export function s3OptionsFromEnv(
  env: NodeJS.ProcessEnv,
): Pick<S3SourceOptions, 'endpoint' | 'forcePathStyle' | 'checksums'> {
  const checksums = env.PHOTOLALA_S3_CHECKSUMS;
  return {
    ...(env.AWS_ENDPOINT_URL_S3 ? { endpoint: env.AWS_ENDPOINT_URL_S3 } : {}),
    ...(env.PHOTOLALA_S3_FORCE_PATH_STYLE === '1' ? { forcePathStyle: true } : {}),
    ...(checksums === 'WHEN_REQUIRED' || checksums === 'WHEN_SUPPORTED' ? { checksums } : {}),
  };
}

/** Opens `s3://bucket/prefix` roots; thumbnails and metadata go to the `s3` cache shard. */
export const photolalaBackend: BackendPlugin = {
  schemes: ['s3'],
  cacheShard: 's3',
  createSource: (_root, location, context) => {
    if (location.scheme !== 's3') throw new TypeError(`not an S3 root: ${location.uri}`);
    const requestTimeoutMs = requestTimeoutFromEnv(context.env);
    return createS3Source({
      ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
      bucket: location.bucket,
      prefix: location.prefix,
      ...s3OptionsFromEnv(context.env),
      ...(context.readOnly ? { readOnly: true } : {}),
    });
  },
  createCloudStore: async (bucket, context) => {
    const client = createS3Client(s3OptionsFromEnv(context.env));
    // PHOTOLALA_S3_MULTIPART_THRESHOLD (bytes): uploads at least this large go in parts; default 16 MiB.
    const threshold = Number(context.env.PHOTOLALA_S3_MULTIPART_THRESHOLD);
    const store = createS3CloudStore({
      bucket,
      client,
      ...(Number.isFinite(threshold) && threshold > 0 ? { multipartThreshold: threshold } : {}),
    });
    return { store, close: () => client.destroy() };
  },
};
