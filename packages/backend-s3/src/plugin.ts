import type { BackendPlugin } from '@photolala/core';
import { createS3Source } from './s3-source.js';

/**
 * Opens `s3://bucket/prefix` roots. Credentials, region and endpoint come from the AWS SDK's standard
 * chain (`AWS_PROFILE`, `AWS_ACCESS_KEY_ID`, `AWS_REGION`, `AWS_ENDPOINT_URL_S3`, ...). For
 * S3-compatible stores set `PHOTOLALA_S3_FORCE_PATH_STYLE=1` and, where the server mishandles the
 * SDK's default checksums, `PHOTOLALA_S3_CHECKSUMS=WHEN_REQUIRED`.
 */
export const photolalaBackend: BackendPlugin = {
  schemes: ['s3'],
  cacheShard: 's3',
  createSource: (_root, location, context) => {
    if (location.scheme !== 's3') throw new TypeError(`not an S3 root: ${location.uri}`);
    const env = context.env;
    const checksums = env.PHOTOLALA_S3_CHECKSUMS;
    return createS3Source({
      bucket: location.bucket,
      prefix: location.prefix,
      ...(env.AWS_ENDPOINT_URL_S3 ? { endpoint: env.AWS_ENDPOINT_URL_S3 } : {}),
      ...(env.PHOTOLALA_S3_FORCE_PATH_STYLE === '1' ? { forcePathStyle: true } : {}),
      ...(checksums === 'WHEN_REQUIRED' || checksums === 'WHEN_SUPPORTED' ? { checksums } : {}),
      ...(context.readOnly ? { readOnly: true } : {}),
    });
  },
};
