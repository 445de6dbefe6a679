import { mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CopyObjectCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createLocalSource } from '@photolala/backend-local';
import { createS3Source } from '@photolala/backend-s3';
import { type Catalog, openCatalog, type RootSource } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { cleanupAfterEach } from '../support/catalog.js';
import { replaceSnapshot } from '../support/craft-snapshot.js';
import { countingSource, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();
const BUCKET = 'stale';
let server: S3TestServer;
const clients: { destroy(): void }[] = [];
beforeAll(async () => {
  server = await startS3Server([BUCKET]);
}, 30_000);
afterAll(async () => {
  for (const client of clients) client.destroy();
  await server?.stop();
});

/** A root holding files, with the operations a user (or a tool) does behind the catalog's back. */
interface TestRoot {
  source: RootSource;
  cacheDir: string;
  /** Writes new bytes at `file`; a local file gets an mtime 10 s later than before, so it always moves. */
  write(file: string, bytes: Uint8Array): Promise<void>;
  remove(file: string): Promise<void>;
  /** Moves a file the way the store moves one: a rename on a disk, a copy and a delete on S3. */
  move(from: string, to: string): Promise<void>;
}

const backends: { name: string; make(files: Record<string, Uint8Array>): Promise<TestRoot> }[] = [
  {
    name: 'local',
    async make(files) {
      const root = await tempDir('stale');
      const cacheDir = await tempDir('stale-cache');
      cleanup.push(root, cacheDir);
      await writeTree(root, files);
      let clock = Date.now() - 3_600_000;
      const at = (file: string) => path.join(root, ...file.split('/'));
      for (const file of Object.keys(files)) await utimes(at(file), new Date(clock), new Date(clock));
      return {
        source: await createLocalSource({ root }),
        cacheDir,
        async write(file, bytes) {
          await writeFile(at(file), bytes);
          clock += 10_000;
          await utimes(at(file), new Date(clock), new Date(clock));
        },
        remove: (file) => rm(at(file)),
        // A rename keeps the file's mtime.
        async move(from, to) {
          await mkdir(path.dirname(at(to)), { recursive: true });
          await rename(at(from), at(to));
        },
      };
    },
  },
  {
    name: 's3',
    async make(files) {
      const prefix = `root-${Math.random().toString(36).slice(2)}`;
      const client = server.client();
      clients.push(client);
      const cacheDir = await tempDir('stale-cache');
      cleanup.push(cacheDir);
      const put = (file: string, bytes: Uint8Array) =>
        client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${file}`, Body: bytes }));
      for (const [file, bytes] of Object.entries(files)) await put(file, bytes);
      const remove = async (file: string) => {
        await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${file}` }));
      };
      return {
        source: await createS3Source({ bucket: BUCKET, prefix, client }),
        cacheDir,
        write: async (file, bytes) => {
          await put(file, bytes);
        },
        remove,
        // S3 has no rename: a copy keeps the ETag, not the LastModified.
        async move(from, to) {
          await client.send(
            new CopyObjectCommand({
              Bucket: BUCKET,
              Key: `${prefix}/${to}`,
              CopySource: `${BUCKET}/${prefix}/${from}`,
            }),
          );
          await remove(from);
        },
      };
    },
  },
];

/** A photo over 8 KiB, and a copy of it with one byte flipped past the first 4 KiB: same size, same head. */
async function photoAndEdit(seed: number): Promise<[Buffer, Buffer]> {
  const original = await syntheticJpeg(seed, 400, 300);
  expect(original.length).toBeGreaterThan(8192);
  const edited = Buffer.from(original);
  const at = original.length - 100;
  edited[at] = edited[at]! ^ 0xff;
  expect(edited.subarray(0, 4096).equals(original.subarray(0, 4096))).toBe(true);
  return [original, edited];
}

async function open(root: TestRoot, source: RootSource = root.source): Promise<Catalog> {
  const catalog = await openCatalog(source, { cacheDir: root.cacheDir });
  opened.push(catalog);
  return catalog;
}

describe.each(backends)('photo-md5s stay right ($name)', (backend) => {
  test('a same-size edit past the first 4 KiB gets its new photo-md5 on the next scan', async () => {
    const [original, edited] = await photoAndEdit(1);
    const root = await backend.make({ 'edit.jpg': original, 'other.jpg': await syntheticJpeg(2) });
    const catalog = await open(root);
    await catalog.scan();
    expect(catalog.get('edit.jpg')?.photoMd5).toBe(md5Hex(original));

    await root.write('edit.jpg', edited);
    const result = await catalog.scan();
    expect(result.changed).toEqual(['edit.jpg']);
    expect(catalog.get('edit.jpg')?.photoMd5).toBe(md5Hex(edited));
    expect(catalog.list().find((e) => e.path === 'edit.jpg')?.photoMd5).toBe(md5Hex(edited));
  });

  test('a deleted photo and a new one with the same size and head is no move: the new one gets its own photo-md5', async () => {
    const [a, b] = await photoAndEdit(3);
    const root = await backend.make({ 'a.jpg': a });
    const catalog = await open(root);
    await catalog.scan();
    await catalog.star('a.jpg');

    await root.remove('a.jpg');
    await root.write('b.jpg', b);
    const result = await catalog.scan();
    expect([result.moved, result.removed, result.added]).toEqual([[], ['a.jpg'], ['b.jpg']]);
    expect(catalog.get('b.jpg')).toMatchObject({ photoMd5: md5Hex(b), starred: false });
    expect(catalog.get(md5Hex(a))).toBeUndefined();
  });

  test('a real move is still a move: the photo keeps its photo-md5 and its star, and is not read whole', async () => {
    const [photo] = await photoAndEdit(4);
    const root = await backend.make({ 'from.jpg': photo });
    const first = await open(root);
    await first.scan();
    await first.star('from.jpg');
    await first.close();

    await root.move('from.jpg', 'sub/to.jpg');
    const counting = countingSource(root.source);
    const catalog = await open(root, counting);
    const result = await catalog.scan();
    expect([result.moved, result.removed, result.added]).toEqual([
      [{ from: 'from.jpg', to: 'sub/to.jpg' }],
      [],
      [],
    ]);
    expect(catalog.get('sub/to.jpg')).toMatchObject({ photoMd5: md5Hex(photo), starred: true });
    expect(counting.fulls.get('sub/to.jpg') ?? 0).toBe(0);
  });

  test('a copy to a new path and a delete of the old is a move once the full photo-md5 agrees', async () => {
    const [photo] = await photoAndEdit(8);
    const root = await backend.make({ 'old.jpg': photo });
    const catalog = await open(root);
    await catalog.scan();
    await catalog.star('old.jpg');

    // Written anew: a local copy gets a new mtime (S3 gives the same bytes the same ETag).
    await root.write('new.jpg', photo);
    await root.remove('old.jpg');
    const result = await catalog.scan();
    expect([result.moved, result.removed, result.added]).toEqual([
      [{ from: 'old.jpg', to: 'new.jpg' }],
      [],
      [],
    ]);
    expect(catalog.get('new.jpg')).toMatchObject({ photoMd5: md5Hex(photo), starred: true });
    expect(catalog.get('old.jpg')).toBeUndefined();
  });

  test('scan --full recomputes every photo-md5, also of files whose stat is unchanged', async () => {
    const photo = await syntheticJpeg(5, 400, 300);
    const root = await backend.make({ 'p.jpg': photo, 'q.jpg': await syntheticJpeg(6) });
    const first = await open(root);
    await first.scan();
    await first.close();
    const wrong = 'ffffffffffffffffffffffffffffffff';
    await replaceSnapshot(root.source, root.cacheDir, (db) => {
      db.prepare('UPDATE entries SET photo_md5 = ? WHERE path = ?').run(wrong, 'p.jpg');
      // The listing would still show the right one: drop it, so entries are what is listed.
      db.exec('DELETE FROM listing');
    });

    const catalog = await open(root);
    expect(catalog.get('p.jpg')?.photoMd5).toBe(wrong);
    // A plain rescan trusts the unchanged stat, as it should.
    await catalog.scan();
    expect(catalog.get('p.jpg')?.photoMd5).toBe(wrong);
    const full = await catalog.scan({ full: true });
    expect(full.changed).toEqual(['p.jpg']);
    expect(catalog.get('p.jpg')?.photoMd5).toBe(md5Hex(photo));
    expect(catalog.get('q.jpg')?.photoMd5).toBe(md5Hex(await syntheticJpeg(6)));
  });
});

test('on S3 the edit stores the new ETag with the new photo-md5, never beside the old one', async () => {
  const [original, edited] = await photoAndEdit(7);
  const root = await backends[1]!.make({ 'e.jpg': original });
  const catalog = await open(root);
  await catalog.scan();
  await root.write('e.jpg', edited);
  await catalog.scan();
  // A single-part upload's ETag is the MD5 of its bytes.
  expect(catalog.get('e.jpg')).toMatchObject({ etag: md5Hex(edited), photoMd5: md5Hex(edited) });
  expect(await readFile(await catalog.thumbnail('e.jpg'))).toBeTruthy();
});
