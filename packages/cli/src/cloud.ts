import { type CatalogEntry, type CloudObjectStore, PhotolalaError, parseRootUri } from '@photolala/core';
import { cloudKeys } from '@photolala/core/internals';
import { loadBackend } from './backends.js';

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
  // The S3 plug-in, found through the registry like any root's backend, supplies the cloud store.
  const s3 = await loadBackend('s3', process.env).catch((error: unknown) => {
    // An optional peer of the CLI: installed only by those who use S3.
    const cause = error instanceof PhotolalaError ? error.cause : undefined;
    if ((cause as NodeJS.ErrnoException | undefined)?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new PhotolalaError(
      'UNSUPPORTED',
      'cloud sync needs the S3 backend: install @photolala/backend-s3 (npm install @photolala/backend-s3)',
      { backend: 'cli', cause },
    );
  });
  if (!s3.createCloudStore) {
    throw new PhotolalaError('UNSUPPORTED', 'the s3:// backend in use offers no cloud store for sync', {
      backend: 'cli',
    });
  }
  const { store, close } = await s3.createCloudStore(location.bucket, { env: process.env });
  return { store, bucket: location.bucket, close };
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
