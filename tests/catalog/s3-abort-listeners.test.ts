import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Source } from '@photolala/backend-s3';
import { openCatalog } from '@photolala/core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir } from '../support/fs.js';

// A scan gives its one AbortSignal to every request it makes. Node warns (MaxListenersExceededWarning)
// when more than ten listeners are on one signal at once: a listener per request, left behind or
// added by each of many requests in flight, is what that warning says.

const BUCKET = 'listeners';
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server([BUCKET]);
}, 30_000);
afterAll(async () => {
  await server?.stop();
});
const { cleanup, opened } = cleanupAfterEach();

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
afterEach(() => {
  process.off('warning', onWarning);
});

test('a scan of an S3 root with a signal leaves no listener behind per request', async () => {
  const client = server.client();
  const files = 60;
  for (let i = 0; i < files; i++) {
    const Body = await syntheticJpeg(i + 1);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `photos/${i}.jpg`, Body }));
  }
  client.destroy();
  const cacheDir = await tempDir('listeners-cache');
  cleanup.push(cacheDir);
  const source = await createS3Source(server.sourceOptions(BUCKET, 'photos'));
  const catalog = await openCatalog(source, { cacheDir, limits: { concurrency: 8 } });
  opened.push(catalog);
  process.on('warning', onWarning);
  const controller = new AbortController();
  const first = await catalog.scan({ signal: controller.signal });
  expect(first).toMatchObject({ entries: files, failed: [] });
  // A full rescan reads every file again, with the same signal.
  const again = await catalog.scan({ signal: controller.signal, full: true });
  expect(again.failed).toEqual([]);
  // Node emits the warning on the next tick after the listener that crosses the limit.
  await new Promise((resolve) => setImmediate(resolve));
  // Only this warning: the AWS SDK warns of Node versions it will stop supporting, once a process.
  const listeners = warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
  expect(listeners.map((w) => w.message)).toEqual([]);
}, 120_000);
