import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import {
  DEFAULT_SIMILARITY_THRESHOLD,
  findDuplicates,
  findSimilar,
  openCatalog,
  perceptualHash,
} from '@photolala/core';
import {
  formatPointer,
  md5Hex,
  openSnapshotBytes,
  POINTER_FILE,
  snapshotFileName,
} from '@photolala/core/internals';
import { countingSource } from '@photolala/core/testing';
import sharp from 'sharp';
import { expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

/** The JPEG without its APP1 (EXIF, XMP) segments, pixels untouched: an "EXIF stripped" export. */
function withoutApp1(jpeg: Buffer): Buffer {
  const parts = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at < jpeg.length) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xda) {
      parts.push(jpeg.subarray(at));
      break;
    }
    const length = jpeg.readUInt16BE(at + 2);
    if (marker !== 0xe1) parts.push(jpeg.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  return Buffer.concat(parts);
}

/** The real fixture photos, each a different picture (landscape_1 stands for the eight orientations). */
const PICTURES = [
  'Canon_40D.jpg',
  'DSCN0010.jpg',
  'DSCN0012.jpg',
  'Nikon_D70.jpg',
  'landscape_1.jpg',
  'no_exif.jpg',
];

/** The labelled set: file name -> picture. Variants of one picture must group; others must not. */
async function labelledSet(): Promise<{ files: Record<string, Buffer>; label: Record<string, string> }> {
  const files: Record<string, Buffer> = {};
  const label: Record<string, string> = {};
  const add = (name: string, picture: string, data: Buffer) => {
    files[name] = data;
    label[name] = picture;
  };
  for (const picture of PICTURES) {
    const data = await readFile(path.join(FIXTURES, picture));
    const { width = 0, height = 0 } = await sharp(data).metadata();
    const stem = picture.replace(/\.jpg$/, '');
    add(`${stem}/original.jpg`, stem, data);
    add(
      `${stem}/half.jpg`,
      stem,
      await sharp(data)
        .resize(Math.round(width / 2))
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    add(
      `${stem}/quarter.jpg`,
      stem,
      await sharp(data)
        .resize(Math.round(width / 4))
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    add(`${stem}/q60.jpg`, stem, await sharp(data).jpeg({ quality: 60 }).toBuffer());
    add(`${stem}/converted.png`, stem, await sharp(data).png().toBuffer());
    add(`${stem}/no-exif.jpg`, stem, withoutApp1(data));
    // 5% of the width cut away on one side.
    add(
      `${stem}/cropped.jpg`,
      stem,
      await sharp(data)
        .extract({ left: 0, top: 0, width: Math.round(width * 0.95), height })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  // The same picture stored in the seven other EXIF orientations: displayed, they are one picture.
  for (let o = 2; o <= 8; o++)
    add(
      `landscape_1/orientation-${o}.jpg`,
      'landscape_1',
      await readFile(path.join(FIXTURES, `landscape_${o}.jpg`)),
    );
  add('iphone/original.heic', 'iphone', await readFile(path.join(FIXTURES, 'iphone_13_pro_max.HEIC')));
  return { files, label };
}

test('near-duplicates on the labelled set: precision and recall at the default threshold are at least 0.95', async () => {
  const { files, label } = await labelledSet();
  const root = await tempDir('similar-root');
  const cacheDir = await tempDir('similar-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, files);
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  const scan = await catalog.scan();
  expect(scan.failed).toEqual([]);
  const report = await findSimilar([catalog]);
  expect(report.threshold).toBe(DEFAULT_SIMILARITY_THRESHOLD);
  // Hashed at digest time: nothing was left to make from thumbnails.
  expect(report.backfilled).toBe(0);
  expect(report.unhashed).toEqual([]);
  // Predicted "same picture": in one similar group, or exact copies (one photo-md5).
  const groupOf = new Map<string, number>();
  report.groups.forEach((group, g) => {
    for (const member of group.members) for (const copy of member.copies) groupOf.set(copy.path, g);
  });
  const md5Of = new Map(catalog.list().map((e) => [e.path, e.photoMd5]));
  const names = Object.keys(files);
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++) {
      const [a, b] = [names[i]!, names[j]!];
      const predicted =
        md5Of.get(a) === md5Of.get(b) || (groupOf.has(a) && groupOf.get(a) === groupOf.get(b));
      const actual = label[a] === label[b];
      if (predicted && actual) truePositives++;
      else if (predicted) falsePositives++;
      else if (actual) falseNegatives++;
    }
  const precision = truePositives / (truePositives + falsePositives);
  const recall = truePositives / (truePositives + falseNegatives);
  // The figures the README quotes.
  console.log(
    `labelled set: ${names.length} images of ${PICTURES.length + 1} pictures, threshold ${report.threshold}: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (${truePositives} true pairs found, ${falsePositives} false, ${falseNegatives} missed)`,
  );
  expect(precision).toBeGreaterThanOrEqual(0.95);
  expect(recall).toBeGreaterThanOrEqual(0.95);
  // Groups are of different photos only; the exact copies are findDuplicates' (none here).
  for (const group of report.groups)
    expect(new Set(group.members.map((m) => m.photoMd5)).size).toBe(group.members.length);
  expect(report.groups.length).toBe(PICTURES.length);
  // At 0 bits only identical hashes group (lossless variants, the orientations of one picture), and
  // never two pictures.
  const identical = (await findSimilar([catalog], { threshold: 0 })).groups;
  expect(identical.length).toBeGreaterThan(0);
  for (const group of identical) {
    expect(group.members.every((m) => m.distance === 0)).toBe(true);
    expect(new Set(group.members.flatMap((m) => m.copies.map((c) => label[c.path]))).size).toBe(1);
  }
});

test('a catalog made before perceptual hashes gets them from its cached thumbnails, reading no photo, and keeps them', async () => {
  const root = await tempDir('similar-old');
  const cacheDir = await tempDir('similar-old-cache');
  cleanup.push(root, cacheDir);
  const canon = await readFile(path.join(FIXTURES, 'DSCN0010.jpg'));
  await writeTree(root, {
    'a.jpg': canon,
    'a-small.jpg': await sharp(canon).resize(320).jpeg({ quality: 70 }).toBuffer(),
    'a-copy.jpg': canon,
    'other.jpg': await readFile(path.join(FIXTURES, 'DSCN0012.jpg')),
  });
  const first = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await first.scan();
  const digested = first.perceptualHashes();
  expect(digested.size).toBe(3);
  // The hash stored at digest time is the hash of the cached thumbnail.
  for (const entry of first.list())
    expect(digested.get(entry.photoMd5!)).toBe(
      await perceptualHash(await readFile(await first.thumbnail(entry.path))),
    );
  const snapshot = (await first.snapshotBytes())!;
  await first.close();

  // The same catalog as the code before hashes wrote it: documents without them, as the newest snapshot.
  const work = path.join(cacheDir, 'old.sqlite');
  const db = openSnapshotBytes(snapshot.bytes, work);
  db.exec(`UPDATE metadata SET document = json_remove(document, '$.perceptualHash')`);
  const old = path.join(cacheDir, 'old-snapshot.sqlite');
  db.prepare('VACUUM INTO ?').run(old);
  db.close();
  const oldBytes = await readFile(old);
  const oldMd5 = md5Hex(oldBytes);
  await writeFile(path.join(root, snapshotFileName(oldMd5)), oldBytes);
  await writeFile(path.join(root, POINTER_FILE), formatPointer([oldMd5]));

  const counted = countingSource(await createLocalSource({ root }));
  const catalog = await openCatalog(counted, { cacheDir });
  opened.push(catalog);
  expect(catalog.catalogMd5).toBe(oldMd5);
  expect(catalog.perceptualHashes().size).toBe(0);
  const report = await findSimilar([catalog]);
  expect(report.backfilled).toBe(3);
  // The snapshot and pointer were read; no photo was.
  expect([...counted.fulls.keys()].filter((p) => !p.startsWith('.photolala'))).toEqual([]);
  expect(catalog.perceptualHashes()).toEqual(digested);
  const [group] = report.groups;
  expect(report.groups).toHaveLength(1);
  expect(group!.members.map((m) => m.copies.map((c) => c.path))).toEqual([
    ['a-copy.jpg', 'a.jpg'],
    ['a-small.jpg'],
  ]);
  // Exact copies are reported apart, by findDuplicates.
  expect(findDuplicates([catalog]).groups.map((g) => g.copies.map((c) => c.path))).toEqual([
    ['a-copy.jpg', 'a.jpg'],
  ]);
  // Kept: the next snapshot holds them, so the next run makes none.
  await catalog.close();
  const again = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(again);
  expect(again.catalogMd5).not.toBe(oldMd5);
  // Hashes added later give the snapshot hashing at digest time gave, but for its generation (the
  // header's user version, one more per publish): documents keep the same keys in the same order.
  const withoutGeneration = (bytes: Uint8Array) => Buffer.concat([bytes.subarray(0, 60), bytes.subarray(64)]);
  expect(
    withoutGeneration((await again.snapshotBytes())!.bytes).equals(withoutGeneration(snapshot.bytes)),
  ).toBe(true);
  expect(again.perceptualHashes()).toEqual(digested);
  expect((await findSimilar([again])).backfilled).toBe(0);
});
