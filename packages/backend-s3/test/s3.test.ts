import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type EnumerateIssue, openCatalog } from '@photolala/core';
import { md5Hex, POINTER_FILE, parsePointer } from '@photolala/core/internals';
import { afterAll, describe, expect, test } from 'vitest';
import { createS3Source, isPlainMd5Etag } from '../src/index.js';
import { cameraJpeg } from './photos.js';
import { useS3Roots } from './roots.js';

const BUCKET = 'photos';
const roots = useS3Roots(BUCKET);
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('backend-s3', () => {
  test('lists more than 1,000 keys across pages, and refuses keys that would escape the prefix', async () => {
    const prefix = 'many';
    const client = roots.server.client();
    await Promise.all(
      Array.from({ length: 1050 }, (_, i) =>
        client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `${prefix}/d${i % 7}/f${i}.txt`,
            Body: Buffer.from(`file ${i}`),
          }),
        ),
      ),
    );
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/.hidden/x.jpg`, Body: Buffer.from('x') }),
    );
    const source = await createS3Source({ bucket: BUCKET, prefix, client });
    await roots.server.reset();
    const issues: EnumerateIssue[] = [];
    const paths: string[] = [];
    const filter = { directory: (name: string) => !name.startsWith('.'), file: () => true };
    for await (const e of source.enumerate({ filter, onIssue: (i) => issues.push(i) })) paths.push(e.path);
    expect(paths).toHaveLength(1050);
    expect(new Set(paths).size).toBe(1050);
    expect(paths).toContain('d3/f3.txt');
    expect(paths.some((p) => p.startsWith('.hidden'))).toBe(false);
    expect((await roots.server.stats()).LIST).toBe(2);
    expect(issues).toEqual([]);
    client.destroy();
  });

  test('a scan, then an unchanged rescan that GETs no photo; snapshot and pointer live in the prefix', async () => {
    const { source, prefix } = await roots.create([
      { path: 'a.jpg', data: await cameraJpeg(1) },
      { path: 'trip/b.jpg', data: await cameraJpeg(2) },
      { path: 'notes.txt', data: 'hello' },
    ]);
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'photolala-s3-cache-'));
    dirs.push(cacheDir);
    const catalog = await openCatalog(source, { cacheDir, shard: 's3' });
    const first = await catalog.scan();
    expect(first.added).toEqual(['a.jpg', 'notes.txt', 'trip/b.jpg']);
    expect(first.failed).toEqual([]);
    const md5 = md5Hex(await cameraJpeg(2));
    expect(catalog.get('trip/b.jpg')?.photoMd5).toBe(md5);
    expect(await catalog.thumbnail('trip/b.jpg')).toBe(
      path.join(cacheDir, 's3', 'thumbnails', md5.slice(0, 2), `${md5}.jpg`),
    );
    const pointer = await source.readAll(POINTER_FILE);
    let text = '';
    for await (const chunk of pointer) text += String(chunk);
    expect(parsePointer(text)).toEqual([first.catalogMd5]);

    await roots.server.reset();
    const second = await catalog.scan();
    expect([second.unchanged, second.catalogMd5, second.wroteNewSnapshot]).toEqual([
      3,
      first.catalogMd5,
      false,
    ]);
    // LIST requests only: no GET of any object, and nothing written (the pointer already names it).
    const stats = await roots.server.stats();
    expect(Object.keys(stats).filter((k) => !k.startsWith('LIST'))).toEqual([]);
    expect(stats.LIST).toBe(1);
    await catalog.close();
    expect(prefix).toMatch(/^root-/);
  });

  test('a single-part ETag finds a cached photo without downloading it', async () => {
    const photo = await cameraJpeg(21);
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'photolala-s3-cache-'));
    dirs.push(cacheDir);
    const first = await roots.create([{ path: 'original.jpg', data: photo }]);
    const c1 = await openCatalog(first.source, { cacheDir, shard: 's3' });
    await c1.scan();
    await c1.close();
    // The same photo under another prefix: its ETag names a photo the s3 shard already holds.
    const second = await roots.create([{ path: 'copy.jpg', data: photo }]);
    await roots.server.reset();
    const c2 = await openCatalog(second.source, { cacheDir, shard: 's3' });
    const result = await c2.scan();
    expect(result.added).toEqual(['copy.jpg']);
    expect(c2.get('copy.jpg')?.photoMd5).toBe(md5Hex(photo));
    expect(result.rendered).toBe(0);
    // One ranged GET for the head (the fast-photo-key), none for the whole object.
    const stats = await roots.server.stats();
    const key = `/${BUCKET}/${second.prefix}/copy.jpg`;
    expect([stats[`GET_RANGE ${key}`], stats[`GET ${key}`]]).toEqual([1, undefined]);
    await c2.close();
  });

  test('ETags: a single-part upload has a plain MD5 ETag, a multipart one is not trusted as one', async () => {
    const data = await cameraJpeg(5);
    const { source } = await roots.create([{ path: 'single.jpg', data }]);
    const entry = await source.stat!('single.jpg');
    expect(entry?.etag).toBe(md5Hex(data));
    expect(isPlainMd5Etag(entry?.etag)).toBe(true);
    expect(isPlainMd5Etag(`${md5Hex(data)}-3`)).toBe(false);
    expect(isPlainMd5Etag(undefined)).toBe(false);
  });

  test('server errors are retried; a key that keeps failing is recorded, and the scan finishes', async () => {
    const { source, prefix } = await roots.create(
      [
        { path: 'ok.jpg', data: await cameraJpeg(10) },
        { path: 'flaky.jpg', data: await cameraJpeg(11) },
        { path: 'broken.jpg', data: await cameraJpeg(12) },
        { path: 'slow.jpg', data: await cameraJpeg(13) },
      ],
      { maxAttempts: 3, requestTimeoutMs: 1500 },
    );
    await roots.server.faults([
      { match: `GET /${BUCKET}/${prefix}/flaky.jpg`, status: 500, times: 2 },
      { match: `GET /${BUCKET}/${prefix}/broken.jpg`, status: 500, times: 100 },
      { match: `GET /${BUCKET}/${prefix}/slow.jpg`, status: 'hang', times: 1 },
    ]);
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'photolala-s3-cache-'));
    dirs.push(cacheDir);
    const catalog = await openCatalog(source, { cacheDir, shard: 's3' });
    const result = await catalog.scan();
    expect(result.entries).toBe(4);
    expect(result.failed.map((f) => f.path)).toEqual(['broken.jpg']);
    expect(result.failed[0]!.reason).toMatch(/UNAVAILABLE|500/);
    expect(catalog.get('flaky.jpg')?.photoMd5).toBe(md5Hex(await cameraJpeg(11)));
    expect(catalog.get('slow.jpg')?.photoMd5).toBe(md5Hex(await cameraJpeg(13)));
    await roots.server.faults([]);
    await catalog.close();
  }, 60_000);

  test('wrong bucket and bad credentials raise coded errors', async () => {
    const client = roots.server.client();
    await expect(createS3Source({ bucket: 'no-such-bucket', client })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    client.destroy();
    await expect(createS3Source({ bucket: 'Bad_Name' })).rejects.toThrow(/bucket/);
  });

  test('a prefix under which there is no object is a root that does not exist; one holding only its folder marker is empty', async () => {
    const client = roots.server.client();
    const listed = async (prefix: string) => {
      const paths: string[] = [];
      for await (const e of (await createS3Source({ bucket: BUCKET, prefix, client })).enumerate())
        paths.push(e.path);
      return paths;
    };
    // A prefix that only begins other keys' names is no folder either.
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'typo-not/x.jpg', Body: 'x' }));
    for (const prefix of ['typo', 'typo/deeper'])
      await expect(listed(prefix)).rejects.toMatchObject({
        code: 'NOT_FOUND',
        path: '',
        message: expect.stringContaining(`no object under s3://${BUCKET}/${prefix}/`),
      });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'made-empty/', Body: '' }));
    expect(await listed('made-empty')).toEqual([]);
    // The bucket itself is its root, empty or not.
    await expect(listed('')).resolves.toContain('typo-not/x.jpg');

    // A catalog's scan of it fails as a missing local root does, and writes nothing there.
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'photolala-s3-cache-'));
    dirs.push(cacheDir);
    const source = await createS3Source({ bucket: BUCKET, prefix: 'typo', client });
    const scanned = (async () => {
      const catalog = await openCatalog(source, { cacheDir, shard: 's3' });
      try {
        return await catalog.scan();
      } finally {
        await catalog.close();
      }
    })();
    await expect(scanned).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(`the root s3://${BUCKET}/typo does not exist`),
    });
    await expect(listed('typo')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    client.destroy();
  });
});
