import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createLocalSource } from '@photolala/backend-local';
import { type CatalogEntry, fastPhotoKey, openCatalog } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { type FaultKind, faultySource } from '@photolala/core/testing';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

/** Every JPEG of the corpus is this size, so that a swap can put one photo over another. */
const PHOTO_BYTES = 6000;

/**
 * A unique JPEG padded to `size` bytes with a comment segment before its tables: still a valid
 * image, and larger than a head, so that its digest reads it whole.
 */
async function paddedJpeg(seed: number, size = PHOTO_BYTES): Promise<Buffer> {
  const jpeg = await syntheticJpeg(seed, 32, 24);
  // Segments from the SOI on: markers FFE0-FFEF (APPn, the EXIF) stay first.
  let at = 2;
  while (jpeg[at] === 0xff && jpeg[at + 1]! >= 0xe0 && jpeg[at + 1]! <= 0xef)
    at += 2 + jpeg.readUInt16BE(at + 2);
  const padding = size - jpeg.length;
  if (padding < 4) throw new Error(`the synthetic JPEG is ${jpeg.length} bytes, over ${size}`);
  const comment = Buffer.alloc(padding, 0x20);
  comment.writeUInt16BE(0xfffe, 0);
  comment.writeUInt16BE(padding - 2, 2);
  return Buffer.concat([jpeg.subarray(0, at), comment, jpeg.subarray(at)]);
}

async function corpus(photos: number) {
  const root = await tempDir('faults-root');
  const cacheDir = await tempDir('faults-cache');
  cleanup.push(root, cacheDir);
  const files: Record<string, Buffer | string> = {};
  for (let i = 0; i < photos; i++) files[`${2020 + (i % 4)}/${i % 7}/img_${i}.jpg`] = await paddedJpeg(i);
  for (let i = 0; i < 6; i++) files[`notes/note_${i}.txt`] = `note ${i}\n`.repeat(700);
  await writeTree(root, files);
  return { root, cacheDir };
}

/** Every recorded key and photo-md5 checked against the file on disk now. */
async function wrongRows(root: string, entries: CatalogEntry[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const entry of entries) {
    if (entry.status !== 'ok') continue;
    const bytes = await readFile(path.join(root, entry.path));
    if (entry.fastPhotoKey !== fastPhotoKey(bytes.subarray(0, 4096), bytes.length))
      wrong.push(`${entry.path}: fast-photo-key`);
    if (entry.kind !== 'other' && entry.photoMd5 !== md5Hex(bytes)) wrong.push(`${entry.path}: photo-md5`);
  }
  return wrong;
}

const RATES: Partial<Record<FaultKind, number>> = {
  fail: 0.01,
  short: 0.01,
  stall: 0.01,
  swap: 0.01,
  fifo: 0.01,
};

describe('a scan through a faulty source', () => {
  test('under 5% injected faults it completes, reports exactly the damaged files, and records no wrong MD5', async () => {
    const { root, cacheDir } = await corpus(160);
    const source = faultySource(await createLocalSource({ root }), { seed: 20, rates: RATES });
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    const result = await catalog.scan();
    // The seed exercises every kind of fault.
    const kinds = new Set(source.injected.map((f) => f.fault));
    expect([...kinds].sort()).toEqual(['fail', 'fifo', 'short', 'stall', 'swap']);
    expect(result.failed.map((f) => f.path)).toEqual([...source.damaged()].sort());
    const skippedFifos = [...source.skippedFifos()].sort();
    expect(skippedFifos.length).toBeGreaterThan(0);
    expect(result.skipped.map((s) => s.path).sort()).toEqual(skippedFifos);
    expect(result.entries).toBe(166 - skippedFifos.length);
    expect(await wrongRows(root, catalog.list())).toEqual([]);

    // With the faults gone, a rescan recovers every file but those that stay FIFOs: those met at
    // the whole read stay failed entries, those met at the head read are skipped again.
    source.setRates({});
    const again = await catalog.scan();
    const fifos = [...new Set(source.injected.filter((f) => f.fault === 'fifo').map((f) => f.path))].sort();
    expect(again.failed.map((f) => f.path)).toEqual(fifos.filter((p) => !skippedFifos.includes(p)));
    expect(again.skipped.map((s) => s.path).sort()).toEqual(skippedFifos);
    expect(await wrongRows(root, catalog.list())).toEqual([]);
    expect(catalog.list().filter((e) => e.status === 'ok')).toHaveLength(166 - fifos.length);
  });
});

describe('faultySource', () => {
  test('the same seed injects the same faults, whatever the order of the reads', async () => {
    const { root } = await corpus(40);
    const paths = Object.keys(await listAll(root));
    const run = async (order: string[]) => {
      const source = faultySource(await createLocalSource({ root }), { seed: 7, rates: { fail: 0.3 } });
      for (const p of order) await source.readHead(p, 4096).catch(() => {});
      return source.injected.map((f) => `${f.path} ${f.fault}`).sort();
    };
    const forward = await run(paths);
    expect(forward.length).toBeGreaterThan(0);
    expect(await run([...paths].reverse())).toEqual(forward);
  });

  test('each fault does what it says', async () => {
    const { root } = await corpus(4);
    const local = await createLocalSource({ root });
    const file = '2020/0/img_0.jpg';
    const bytes = await readFile(path.join(root, file));
    const only = (fault: FaultKind) => faultySource(local, { seed: 1, rates: { [fault]: 1 } });
    const readWhole = async (source: ReturnType<typeof only>, opened?: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of opened ?? (await source.readAll(file))) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };

    await expect(only('fail').readHead(file, 4096)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // A failed whole read rejects at once or breaks its stream part-way, as the seed decides.
    const failures = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) {
      const failing = faultySource(local, { seed, rates: { fail: 1 } });
      const stream = await failing.readAll(file).catch(() => undefined);
      if (!stream) failures.add('call');
      else {
        await expect(readWhole(failing, stream)).rejects.toThrow(/injected fault/);
        failures.add('stream');
      }
    }
    expect([...failures].sort()).toEqual(['call', 'stream']);
    expect((await only('short').readHead(file, 4096)).length).toBe(2048);
    expect((await readWhole(only('short'))).length).toBe(PHOTO_BYTES / 2);
    expect(md5Hex(await readWhole(only('stall')))).toBe(md5Hex(bytes));
    const fifo = only('fifo');
    await expect(fifo.readAll(file)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    fifo.setRates({});
    // A FIFO stays one.
    await expect(fifo.readHead(file, 4096)).rejects.toThrow(/not a regular file/);

    const swapping = only('swap');
    for await (const _ of swapping.enumerate()) {
      // lists the files, so that the swap finds one of the same size
    }
    const swapped = await readWhole(swapping);
    const partner = swapping.injected[0]?.swappedWith;
    expect(partner).toBeDefined();
    expect(md5Hex(swapped)).toBe(md5Hex(await readFile(path.join(root, partner!))));
    expect(md5Hex(await readFile(path.join(root, file)))).toBe(md5Hex(swapped));
  });
});

async function listAll(root: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for await (const entry of (await createLocalSource({ root })).enumerate()) found[entry.path] = entry.size;
  return found;
}
