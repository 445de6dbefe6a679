import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { md5Hex, PACKED_HEADER, snapshotFileName } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';
import { tempDir } from '../support/fs.js';
import { readSnapshotFile } from '../support/snapshot-file.js';

// issue 26, section 2: a root keeps its snapshots packed (Brotli, after a header line), named by the
// MD5 of the SQLite bytes they unpack to; the mirror keeps those bytes, to open in place.

const { cleanup, opened } = cleanupAfterEach();
const reopen = async (root: string, cacheDir: string) => {
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  return catalog;
};

describe('packed snapshots', () => {
  test("the root's copy is packed, smaller, and unpacks to the mirror's SQLite bytes, which hash to its name", async () => {
    const { root, mirror, newer } = await scannedRoot(cleanup);
    const stored = await readFile(path.join(root, snapshotFileName(newer)));
    expect(stored.subarray(0, PACKED_HEADER.length).equals(PACKED_HEADER)).toBe(true);
    const plain = await readFile(path.join(mirror, snapshotFileName(newer)));
    expect(plain.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    expect(md5Hex(plain)).toBe(newer);
    expect(stored.length).toBeLessThan(plain.length / 3);
    expect((await readSnapshotFile(path.join(root, snapshotFileName(newer)))).equals(plain)).toBe(true);
  });

  test('a new machine (an empty cache) loads the packed copy from the root, rows and all', async () => {
    const { root, newer } = await scannedRoot(cleanup);
    const fresh = await tempDir('fresh-cache');
    cleanup.push(fresh);
    const catalog = await reopen(root, fresh);
    expect(catalog.loadInfo).toMatchObject({ source: 'root', catalogMd5: newer });
    expect(catalog.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg']);
    expect(catalog.list().every((e) => /^[0-9a-f]{32}$/.test(e.photoMd5 ?? ''))).toBe(true);
  });

  test('a snapshot written before packing (a plain SQLite file in the root) still loads, and the next save packs', async () => {
    const { root, mirror, newer } = await scannedRoot(cleanup);
    // The old format: the root holds the SQLite bytes themselves, as the mirror does.
    const plain = await readFile(path.join(mirror, snapshotFileName(newer)));
    await writeFile(path.join(root, snapshotFileName(newer)), plain);
    const fresh = await tempDir('fresh-cache');
    cleanup.push(fresh);
    const catalog = await reopen(root, fresh);
    expect(catalog.loadInfo).toMatchObject({ source: 'root', catalogMd5: newer });
    expect(catalog.loadInfo.skipped.filter((s) => s.catalogMd5 !== undefined)).toEqual([]);
    expect(catalog.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg']);
    await catalog.star('a.jpg');
    const saved = (await catalog.save())!;
    const stored = await readFile(path.join(root, snapshotFileName(saved)));
    expect(stored.subarray(0, PACKED_HEADER.length).equals(PACKED_HEADER)).toBe(true);
    expect(md5Hex(await readSnapshotFile(path.join(root, snapshotFileName(saved))))).toBe(saved);
  });

  test('a packed file that unpacks past the size limit is refused before it is written out', async () => {
    const { root, mirror, newer } = await scannedRoot(cleanup);
    // 64 MiB of zeros pack into a few kilobytes.
    const bomb = Buffer.concat([PACKED_HEADER, brotliCompressSync(Buffer.alloc(64 * 1024 * 1024))]);
    expect(bomb.length).toBeLessThan(100_000);
    await writeFile(path.join(root, snapshotFileName(newer)), bomb);
    await rm(path.join(mirror, snapshotFileName(newer)));
    const fresh = await tempDir('fresh-cache');
    cleanup.push(fresh);
    const catalog = await openCatalog(await createLocalSource({ root }), {
      cacheDir: fresh,
      maxSnapshotBytes: 1024 * 1024,
    });
    opened.push(catalog);
    expect(catalog.loadInfo.source).not.toBe('root');
    expect(catalog.loadInfo.skipped).toContainEqual(
      expect.objectContaining({
        store: 'root',
        catalogMd5: newer,
        reason: expect.stringMatching(/larger than/),
      }),
    );
  });
});
