import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { CLI, inPty, runCli } from '../cli/run-cli.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const BUCKET = 'cloud';
const USER = '0b5f0a4e-5c1d-4b8e-9a57-3f6d2c1e9b70';
let server: S3TestServer;
const cleanup: string[] = [];
beforeAll(async () => {
  server = await startS3Server([BUCKET]);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const env = () => ({ ...server.cliEnv(), PHOTOLALA_S3_MULTIPART_THRESHOLD: String(5 * 1024 * 1024) });

async function objectKeys(prefix: string): Promise<string[]> {
  const client = server.client();
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  client.destroy();
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

async function object(key: string) {
  const client = server.client();
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return {
      bytes: Buffer.from(await got.Body!.transformToByteArray()),
      contentType: got.ContentType,
      etag: head.ETag,
    };
  } finally {
    client.destroy();
  }
}

async function setRoot(files: Record<string, Buffer>, stars: string[]) {
  const root = await tempDir('sync-root');
  const cacheDir = await tempDir('sync-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, files);
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await catalog.scan();
  for (const p of stars) await catalog.star(p);
  await catalog.close();
  return { root, cacheDir };
}

const sync = (root: string, cacheDir: string) =>
  runCli(['--cache-dir', cacheDir, 'sync', root, '--to', `s3://${BUCKET}`, '--user', USER, '--json'], env());

async function pendingRows(root: string, cacheDir: string) {
  const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), { cacheDir });
  const rows = catalog.starQueue();
  await catalog.close();
  return rows;
}

test('sync uploads starred photos and thumbnails, deletes unstarred ones, and the catalog can be browsed', async () => {
  // 6 MiB of trailing bytes after the JPEG's end marker: decoders ignore them, and the upload goes in parts.
  const big = Buffer.concat([await syntheticJpeg(2, 320, 240), Buffer.alloc(6 * 1024 * 1024, 1)]);
  const small = await syntheticJpeg(1);
  const { root, cacheDir } = await setRoot(
    { 'a.JPG': small, 'trip/big.jpg': big, 'c.jpg': await syntheticJpeg(3) },
    ['a.JPG', 'trip/big.jpg'],
  );
  await server.reset();
  const first = await sync(root, cacheDir);
  expect(first.code).toBe(0);
  const report = JSON.parse(first.stdout);
  const [a, b] = [md5Hex(small), md5Hex(big)];
  expect(report.failed).toEqual([]);
  expect(report.uploaded.sort()).toEqual(
    [
      `photos/${USER}/${a}.jpg`,
      `photos/${USER}/${b}.jpg`,
      `thumbnails/${USER}/${a}.jpg`,
      `thumbnails/${USER}/${b}.jpg`,
    ].sort(),
  );
  const uploaded = await object(`photos/${USER}/${b}.jpg`);
  expect(md5Hex(uploaded.bytes)).toBe(b);
  expect(uploaded.contentType).toBe('image/jpeg');
  // Over the threshold, so uploaded in two 5 MiB parts (s3rver gives such objects a plain-MD5 ETag,
  // so the parts are counted at the server instead).
  expect(await server.stats()).toMatchObject({ START_MULTIPART: 1, UPLOAD_PART: 2 });
  expect(uploaded.etag).toBeDefined();
  expect((await pendingRows(root, cacheDir)).map((r) => r.state)).toEqual(['done', 'done']);
  const pointer = (await object(`catalogs/${USER}/.photolala.md5`)).bytes.toString().trim();
  expect(md5Hex((await object(`catalogs/${USER}/.photolala.${pointer}.sqlite`)).bytes)).toBe(pointer);

  // Running it again uploads nothing.
  const again = JSON.parse((await sync(root, cacheDir)).stdout);
  expect([again.uploaded, again.deleted]).toEqual([[], []]);

  // Browse the cloud catalog from an empty cache: list it and fetch a thumbnail from the cloud.
  const fresh = await tempDir('sync-browse');
  cleanup.push(fresh);
  const list = await runCli(
    ['--cache-dir', fresh, 'list', `s3://${BUCKET}`, '--user', USER, '--json'],
    env(),
  );
  expect(list.code).toBe(0);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(rows.map((r) => [r.path, r.starred])).toEqual([
    ['a.JPG', true],
    ['c.jpg', false],
    ['trip/big.jpg', true],
  ]);
  const thumb = await runCli(['--cache-dir', fresh, 'thumbnail', `s3://${BUCKET}`, b, '--user', USER], env());
  expect(thumb.code).toBe(0);
  expect(thumb.stdout.trim()).toBe(path.join(fresh, 's3', 'thumbnails', b.slice(0, 2), `${b}.jpg`));
  expect(await readFile(thumb.stdout.trim())).toEqual((await object(`thumbnails/${USER}/${b}.jpg`)).bytes);

  // Unstar: the photo and its thumbnail are deleted.
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await catalog.unstar('a.JPG');
  await catalog.close();
  const third = JSON.parse((await sync(root, cacheDir)).stdout);
  expect(third.deleted.sort()).toEqual([`photos/${USER}/${a}.jpg`, `thumbnails/${USER}/${a}.jpg`]);
  expect(await objectKeys(`photos/${USER}/`)).toEqual([`photos/${USER}/${b}.jpg`]);
}, 120_000);

test('on a terminal, sync draws a progress bar of the photos it has done', async () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 4; i++) files[`bar${i}.jpg`] = await syntheticJpeg(400 + i);
  const { root, cacheDir } = await setRoot(files, Object.keys(files));
  const { code, output } = await inPty(
    `${process.execPath} ${CLI} --cache-dir ${cacheDir} sync ${root} --to s3://${BUCKET} --user ${USER}`,
    { ...env(), NO_COLOR: '' },
  );
  expect(code).toBe(0);
  expect(output).toMatch(/syncing\s+\S*[█░]+\S* [0-4]\/4 photos \| \d+\/s \| ETA /);
  expect(output).toContain('uploaded 8, already there 0, deleted 0, failed 0');
}, 60_000);

test('a sync killed midway finishes on the next run without duplicating or losing anything', async () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 5; i++) files[`k${i}.jpg`] = await syntheticJpeg(200 + i);
  const { root, cacheDir } = await setRoot(files, Object.keys(files));
  const md5s = Object.values(files).map(md5Hex);
  // The third photo's upload never gets an answer: the sync is stuck there when it is killed.
  await server.faults([{ match: `PUT /${BUCKET}/photos/${USER}/${md5s[2]}.jpg`, status: 'hang', times: 1 }]);
  const child = spawn(
    process.execPath,
    [CLI, '--cache-dir', cacheDir, 'sync', root, '--to', `s3://${BUCKET}`, '--user', USER],
    {
      env: { ...process.env, ...env() },
      stdio: 'ignore',
    },
  );
  const deadline = Date.now() + 20_000;
  while (
    (await objectKeys(`thumbnails/${USER}/`)).filter((k) => md5s.some((m) => k.includes(m))).length < 2
  ) {
    if (Date.now() > deadline) throw new Error('the sync never got going');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await server.faults([]);
  expect((await pendingRows(root, cacheDir)).filter((r) => r.state === 'pending')).toHaveLength(5);

  const resumed = await sync(root, cacheDir);
  expect(resumed.code).toBe(0);
  const report = JSON.parse(resumed.stdout);
  expect(report.failed).toEqual([]);
  expect(report.alreadyPresent.length).toBeGreaterThanOrEqual(2);
  const photos = (await objectKeys(`photos/${USER}/`)).filter((k) => md5s.some((m) => k.includes(m)));
  expect(photos.sort()).toEqual(md5s.map((m) => `photos/${USER}/${m}.jpg`).sort());
  expect((await pendingRows(root, cacheDir)).every((r) => r.state === 'done')).toBe(true);
}, 120_000);

test('a photo the server keeps refusing is reported by key and stays queued', async () => {
  const files = { 'ok.jpg': await syntheticJpeg(300), 'refused.jpg': await syntheticJpeg(301) };
  const { root, cacheDir } = await setRoot(files, ['ok.jpg', 'refused.jpg']);
  const refusedKey = `photos/${USER}/${md5Hex(files['refused.jpg'])}.jpg`;
  await server.faults([{ match: `PUT /${BUCKET}/${refusedKey}`, status: 500, times: 100 }]);
  const run = await sync(root, cacheDir);
  await server.faults([]);
  expect(run.code).toBe(1);
  const report = JSON.parse(run.stdout);
  expect(report.failed).toEqual([{ key: refusedKey, reason: expect.stringMatching(/500|UNAVAILABLE/) }]);
  const rows = await pendingRows(root, cacheDir);
  expect(rows.map((r) => [r.path, r.state])).toEqual([
    ['ok.jpg', 'done'],
    ['refused.jpg', 'pending'],
  ]);
  await writeFile(path.join(root, 'unrelated.txt'), 'x');
  expect((await sync(root, cacheDir)).code).toBe(0);
}, 120_000);
