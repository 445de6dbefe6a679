import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Source } from '@photolala/backend-s3';
import { type Catalog, openCatalog } from '@photolala/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir } from '../support/fs.js';

// Two cache folders stand for two machines: each has a mirror lock of its own, so nothing on this
// machine makes their publishes take turns; only the conditional write of the root's pointer does.
const BUCKET = 'machines';
const ROUNDS = 4;
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server([BUCKET]);
}, 30_000);
afterAll(async () => {
  await server?.stop();
});
const { cleanup, opened } = cleanupAfterEach();

const photos = Array.from({ length: 2 * ROUNDS }, (_, i) => `p${i}.jpg`);

async function open(prefix: string, cacheDir: string): Promise<Catalog> {
  const source = await createS3Source({
    bucket: BUCKET,
    prefix,
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    checksums: 'WHEN_REQUIRED',
  });
  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  return catalog;
}

test(`two machines starring different photos of one S3 root at once keep both stars, ${ROUNDS} rounds`, async () => {
  const prefix = `run-${Date.now()}`;
  const client = server.client();
  for (const [i, name] of photos.entries()) {
    const Body = await syntheticJpeg(i + 1);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${name}`, Body }));
  }
  client.destroy();
  const [first, machineA, machineB, reader] = await Promise.all(
    ['first', 'machine-a', 'machine-b', 'reader'].map((name) => tempDir(name)),
  );
  cleanup.push(first!, machineA!, machineB!, reader!);
  const scanning = await open(prefix, first!);
  await scanning.scan();
  await scanning.close();

  const expected: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await open(prefix, machineA!);
    const b = await open(prefix, machineB!);
    const [starA, starB] = [photos[2 * round]!, photos[2 * round + 1]!];
    await a.star(starA);
    await b.star(starB);
    await Promise.all([a.close(), b.close()]);
    expected.push(starA, starB);
    const after = await open(prefix, reader!);
    expect(after.list({ starred: true }).map((e) => e.path)).toEqual(expected);
    // Queued in the order the two publishes landed, which is either.
    expect(
      after
        .starQueue()
        .map((r) => r.path)
        .sort(),
    ).toEqual(expected);
    await after.close();
  }
  // The root's pointer was refused to the later of the two at least once: the race was run.
  expect((await server.stats()).PRECONDITION_FAILED).toBeGreaterThan(0);
}, 120_000);
