import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { openCatalog } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createS3Source } from '../src/index.js';
import { cameraJpeg } from './photos.js';
import { useS3Roots } from './roots.js';

const BUCKET = 'nfd';
const roots = useS3Roots(BUCKET);
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'photolala-s3-nfd-'));
});
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

test('keys uploaded from macOS (NFD folder and file names) are cataloged, each read with its stored key', async () => {
  const nfd = 'Cafe\u0301';
  const nfc = 'Caf\u00e9';
  const photos = { [`${nfd}/a.jpg`]: await cameraJpeg(1), [`ascii/${nfd}.jpg`]: await cameraJpeg(2) };
  const client = roots.server.client();
  for (const [key, body] of Object.entries(photos))
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `lib/${key}`, Body: body }));
  const source = await createS3Source({ bucket: BUCKET, prefix: 'lib', client });
  const catalog = await openCatalog(source, { cacheDir, shard: 's3' });
  await roots.server.reset();
  const result = await catalog.scan();
  expect(result.failed).toEqual([]);
  expect(result.added).toEqual([`${nfc}/a.jpg`, `ascii/${nfc}.jpg`].sort());
  expect(catalog.get(`${nfc}/a.jpg`)?.photoMd5).toBe(md5Hex(photos[`${nfd}/a.jpg`]!));
  expect(catalog.get(`ascii/${nfc}.jpg`)?.photoMd5).toBe(md5Hex(photos[`ascii/${nfd}.jpg`]!));
  // The listing's spelling is used at once: one LIST, and one ranged GET per photo (none of a key
  // spelt in NFC that is not there, and no LIST to look for the stored spelling).
  const stats = await roots.server.stats();
  expect(stats.LIST).toBe(1);
  const ranged = Object.entries(stats).filter(([k]) => k.startsWith('GET_RANGE '));
  expect(ranged.map(([, n]) => n)).toEqual([1, 1]);
  await catalog.close();
  client.destroy();
});

test('a path never listed is still found under its stored NFD spelling, folder and all', async () => {
  const client = roots.server.client();
  await client.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'lib2/Cafe\u0301/Cre\u0300me.jpg',
      Body: await cameraJpeg(3),
    }),
  );
  const source = await createS3Source({ bucket: BUCKET, prefix: 'lib2', client });
  const head = await source.readHead('Caf\u00e9/Cr\u00e8me.jpg', 4);
  expect([...head]).toEqual([...(await cameraJpeg(3)).subarray(0, 4)]);
  client.destroy();
});
