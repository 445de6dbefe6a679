import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const TICK_MS = 2000;
const { cleanup, opened } = cleanupAfterEach();

/** A root on a (simulated) FAT/SMB mount: mtimes are whole 2-second ticks, as such file systems store them. */
async function coarseRoot(files: Record<string, Buffer>, mtimeMs: number) {
  const root = await tempDir('coarse');
  const cacheDir = await tempDir('coarse-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, files);
  for (const name of Object.keys(files)) await setMtime(path.join(root, name), mtimeMs);
  const source = await createLocalSource({ root, mtimeResolutionMs: TICK_MS });
  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  return { root, catalog };
}

const setMtime = (file: string, ms: number) => utimes(file, new Date(ms), new Date(ms));
const currentTick = () => Math.floor(Date.now() / TICK_MS) * TICK_MS;

describe('stores with 2-second mtimes', () => {
  test('unchanged files are neither reported changed nor digested again', async () => {
    const old = currentTick() - 60_000;
    const { catalog } = await coarseRoot(
      { 'a.jpg': await syntheticJpeg(1), 'b.jpg': await syntheticJpeg(2) },
      old,
    );
    expect((await catalog.scan()).added).toEqual(['a.jpg', 'b.jpg']);
    const again = await catalog.scan();
    expect([again.changed, again.unchanged, again.digested, again.wroteNewSnapshot]).toEqual([
      [],
      2,
      0,
      false,
    ]);
  });

  test('a same-size edit past the first 4 KiB within the same tick is found by the next scan', async () => {
    const original = await syntheticJpeg(3, 400, 300);
    expect(original.length).toBeGreaterThan(8192);
    const tick = currentTick();
    const { root, catalog } = await coarseRoot({ 'edit.jpg': original }, tick);
    const file = path.join(root, 'edit.jpg');
    const first = await catalog.scan();
    expect(catalog.get('edit.jpg')?.photoMd5).toBe(md5Hex(original));
    // Racy is bookkeeping: the entry reads as a plain ok entry.
    expect(catalog.list().map((e) => [e.status, e.reason])).toEqual([['ok', null]]);
    expect(catalog.get('edit.jpg')?.reason).toBeNull();

    // Read within its tick: the next scan re-hashes it, finds the same bytes, and reports nothing.
    const same = await catalog.scan();
    expect([same.changed, same.digested, same.catalogMd5]).toEqual([[], 1, first.catalogMd5]);

    // Edited behind the catalog's back: same size, same head, same mtime tick.
    const edited = Buffer.from(original);
    edited.writeUInt8(edited.readUInt8(edited.length - 100) ^ 0xff, edited.length - 100);
    await writeFile(file, edited);
    await setMtime(file, tick);
    expect(edited.subarray(0, 4096).equals(original.subarray(0, 4096))).toBe(true);
    const found = await catalog.scan();
    expect(found.changed).toEqual(['edit.jpg']);
    expect(catalog.get('edit.jpg')?.photoMd5).toBe(md5Hex(await readFile(file)));

    // Once a scan sees it well after its tick (this one still re-hashes the racy entry), the mtime
    // vouches again and nothing is re-read.
    await setMtime(file, tick - 60_000);
    const settled = await catalog.scan();
    expect([settled.changed, settled.digested]).toEqual([[], 1]);
    const quiet = await catalog.scan();
    expect([quiet.changed, quiet.digested, quiet.unchanged]).toEqual([[], 0, 1]);
  });
});
