import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type EnumerateOptions, openCatalog, type RootSource, type SourceEntry } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened: open } = cleanupAfterEach();
const md5 = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex');

/** Photos from under 4 KiB to well over, and a file that is none. */
async function makeRoot(): Promise<string> {
  const root = await tempDir('root');
  cleanup.push(root);
  const files: Record<string, Buffer | string> = { 'notes.txt': 'not a photo' };
  for (let i = 0; i < 8; i++)
    files[`2024/0${(i % 2) + 1}/img_${i}.jpg`] = await syntheticJpeg(i, 64 * (i + 1), 48 * (i + 1));
  await writeTree(root, files);
  return root;
}

/** The local source with each listed entry passed through `change` first. */
function changingListing(local: RootSource, change: (entry: SourceEntry) => void): RootSource {
  return Object.assign(Object.create(local) as RootSource, {
    async *enumerate(options?: EnumerateOptions) {
      for await (const entry of local.enumerate(options)) {
        change(entry);
        yield entry;
      }
    },
  });
}

/** The fast-photo-key of each cataloged file, by path, after a first scan of `root` through `source`. */
async function keysAfterFirstScan(source: RootSource): Promise<Record<string, string>> {
  const cacheDir = await tempDir('cache');
  cleanup.push(cacheDir);
  const catalog = await openCatalog(source, { cacheDir });
  open.push(catalog);
  await catalog.scan();
  return Object.fromEntries(catalog.list().map((entry) => [entry.path, entry.fastPhotoKey]));
}

/** `{md5 of the first 4 KiB}:{size}` of each file, from the bytes on disk. */
async function keysOnDisk(root: string, paths: string[]): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const p of paths) {
    const bytes = await readFile(path.join(root, p));
    keys[p] = `${md5(bytes.subarray(0, 4096))}:${bytes.length}`;
  }
  return keys;
}

describe("the heads' MD5s a source computes along with its listing", () => {
  test('a first scan keys every file as from the bytes on disk, with the MD5s the local source computes and without them', async () => {
    const withMd5s = await makeRoot();
    const without = await makeRoot();
    let listedMd5s = 0;
    const keysWith = await keysAfterFirstScan(
      changingListing(await createLocalSource({ root: withMd5s }), (entry) => {
        if (entry.headMd5 !== undefined) listedMd5s++;
      }),
    );
    // Asked for, the local source hashed the heads of this small root (listed in-thread) itself.
    expect(listedMd5s).toBe(9);
    const keysWithout = await keysAfterFirstScan(
      changingListing(await createLocalSource({ root: without }), (entry) => {
        entry.headMd5 = undefined;
      }),
    );
    const paths = Object.keys(keysWith).sort();
    expect(paths).toHaveLength(9);
    expect((await readFile(path.join(withMd5s, '2024/02/img_7.jpg'))).length).toBeGreaterThan(4096);
    expect(keysWith).toEqual(await keysOnDisk(withMd5s, paths));
    expect(keysWithout).toEqual(keysWith);
  });

  test("a head MD5 that is not 32 lower-case hex digits is ignored and the head hashed; a well-formed one is the source's word, as its head is; beside a head read again, none counts", async () => {
    const root = await makeRoot();
    const other = md5('other bytes');
    const keys = await keysAfterFirstScan(
      changingListing(await createLocalSource({ root }), (entry) => {
        const right = entry.headMd5;
        if (entry.path === '2024/01/img_0.jpg') entry.headMd5 = right?.toUpperCase();
        if (entry.path === '2024/02/img_1.jpg') entry.headMd5 = 'not an MD5';
        if (entry.path === '2024/01/img_2.jpg') entry.headMd5 = right?.slice(1);
        if (entry.path === '2024/02/img_3.jpg') entry.headMd5 = `${right}0`;
        if (entry.path === '2024/01/img_4.jpg') entry.headMd5 = 42 as unknown as string;
        if (entry.path === '2024/02/img_5.jpg') entry.headMd5 = other;
        if (entry.path === '2024/01/img_6.jpg') {
          // A short head is not trusted, so neither is the MD5 beside it: the head is read again.
          entry.head = entry.head?.subarray(0, 100);
          entry.headMd5 = other;
        }
      }),
    );
    const onDisk = await keysOnDisk(root, Object.keys(keys));
    expect(keys).toEqual({
      ...onDisk,
      '2024/02/img_5.jpg': `${other}:${onDisk['2024/02/img_5.jpg']!.split(':')[1]}`,
    });
  });
});
