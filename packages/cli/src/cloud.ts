import {
  type CatalogEntry,
  type CloudObjectStore,
  cloudKeys,
  PhotolalaError,
  parseRootUri,
} from '@photolala/core';

/** The S3 store of a `--to s3://bucket` or `--user` argument, loading the S3 backend only now. */
export async function openCloudStore(
  target: string,
): Promise<{ store: CloudObjectStore; bucket: string; close(): void }> {
  const location = parseRootUri(target);
  if (location.scheme !== 's3' || location.prefix !== '') {
    throw new PhotolalaError('INVALID_ARGUMENT', `the cloud target must be s3://bucket, not ${target}`, {
      backend: 'cli',
      path: target,
    });
  }
  const s3 = await import('@photolala/backend-s3').catch((cause: unknown) => {
    // An optional peer of the CLI: installed only by those who use S3.
    if ((cause as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw new PhotolalaError(
      'UNSUPPORTED',
      'cloud sync needs the S3 backend: install @photolala/backend-s3 (npm install @photolala/backend-s3)',
      { backend: 'cli', cause },
    );
  });
  const client = s3.createS3Client(s3.s3OptionsFromEnv(process.env));
  // PHOTOLALA_S3_MULTIPART_THRESHOLD (bytes): uploads at least this large go in parts; default 16 MiB.
  const threshold = Number(process.env.PHOTOLALA_S3_MULTIPART_THRESHOLD);
  const store = s3.createS3CloudStore({
    bucket: location.bucket,
    client,
    ...(Number.isFinite(threshold) && threshold > 0 ? { multipartThreshold: threshold } : {}),
  });
  return { store, bucket: location.bucket, close: () => client.destroy() };
}

/**
 * For browsing a synced catalog: `s3://bucket` plus `--user UUID` opens `s3://bucket/catalogs/{user}`,
 * read-only, with thumbnails fetched from `thumbnails/{user}/` when the cache lacks them.
 */
export async function cloudBrowseRoot(root: string, user: string) {
  const keys = cloudKeys(user);
  const { store, bucket, close } = await openCloudStore(root);
  return {
    root: `s3://${bucket}/${keys.catalogPrefix}`,
    fetchThumbnail: (entry: CatalogEntry & { photoMd5: string }) => store.get(keys.thumbnail(entry.photoMd5)),
    close,
  };
}
