import { rm } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../../packages/backend-s3/test/s3-server.js';
import { tempDir } from '../../support/fs.js';
import { galleryPhotos, useGalleryOver } from '../over-root.js';

let server: S3TestServer;
const checkGalleryOver = useGalleryOver();
const cleanup: string[] = [];
beforeAll(async () => {
  server = await startS3Server(['gallery-photos']);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the gallery over an s3:// root (s3rver): tiles, the original, a star', async () => {
  const cacheDir = await tempDir('gallery-s3-cache');
  cleanup.push(cacheDir);
  const photos = await galleryPhotos();
  const client = server.client();
  for (const [key, body] of photos)
    await client.send(new PutObjectCommand({ Bucket: 'gallery-photos', Key: `library/${key}`, Body: body }));
  client.destroy();
  await checkGalleryOver({
    root: 's3://gallery-photos/library',
    env: { PHOTOLALA_CACHE_DIR: cacheDir, ...server.cliEnv() },
    shard: 's3',
    photos,
    open: 'trip/day 2/photo-3.jpg',
  });
});
