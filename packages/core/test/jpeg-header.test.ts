import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Sharp from 'sharp';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { readJpegHeader } from '../src/digest/jpeg-header.js';
import { renderThumbnail } from '../src/digest/thumbnail.js';

const sharp = createRequire(import.meta.url)('sharp') as typeof Sharp;
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures');
const jpegs = ['real', 'exif-samples']
  .flatMap((folder) =>
    readdirSync(path.join(fixtures, folder))
      .filter((name) => /\.jpe?g$/i.test(name))
      .map((name) => path.join(fixtures, folder, name)),
  )
  .sort();

/** The thumbnail as the digest made it before: sharp's header read, then the render. */
async function thumbnailByMetadata(data: Buffer) {
  const image = sharp(data, { limitInputPixels: false, failOn: 'error', pages: 1 });
  const meta = await image.metadata();
  const jpeg = await image
    .rotate()
    .resize(256, 256, { fit: 'cover', position: 'centre', fastShrinkOnLoad: true })
    .toColourspace('srgb')
    .jpeg({ quality: 85, chromaSubsampling: '4:2:0' })
    .toBuffer();
  return { jpeg, width: meta.width, height: meta.height, orientation: meta.orientation ?? 1 };
}

/** A minimal JPEG header: SOI, the given segments, a frame header and the start of a scan. */
function jpegWith(segments: Buffer[], frame = { width: 640, height: 480 }): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0, 11, 8, 0, 0, 0, 0, 1, 1, 0x11, 0]);
  sof.writeUInt16BE(frame.height, 5);
  sof.writeUInt16BE(frame.width, 7);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    ...segments,
    sof,
    Buffer.from([0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0]),
    Buffer.alloc(16),
  ]);
}

/** An APP1 EXIF segment whose first IFD holds the given entries (tag, type, count, value). */
function exifSegment(entries: [number, number, number, number][], order: 'II' | 'MM' = 'II'): Buffer {
  const tiff = Buffer.alloc(8 + 2 + entries.length * 12 + 4);
  const le = order === 'II';
  tiff.write(order, 0, 'latin1');
  const u16 = (v: number, at: number) => (le ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at));
  u16(42, 2);
  u32(8, 4);
  u16(entries.length, 8);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    u16(tag, at);
    u16(type, at + 2);
    u32(count, at + 4);
    u16(value, at + 8);
  });
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

describe('readJpegHeader', () => {
  afterEach(() => vi.restoreAllMocks());

  test('agrees with sharp on every JPEG fixture, and answers for most of them', async () => {
    let answered = 0;
    for (const file of jpegs) {
      const data = readFileSync(file);
      const header = readJpegHeader(data);
      if (!header) continue;
      answered++;
      const meta = await sharp(data).metadata();
      expect({ file, ...header }).toEqual({
        file,
        width: meta.width,
        height: meta.height,
        orientation: meta.orientation ?? 1,
      });
    }
    expect(answered).toBeGreaterThan(jpegs.length * 0.8);
  });

  test('the thumbnail and its dimensions are those of the header read by sharp, with no metadata() call', async () => {
    const metadata = vi.spyOn(sharp.prototype, 'metadata');
    for (const file of jpegs) {
      const data = readFileSync(file);
      const expected = await thumbnailByMetadata(data);
      const before = metadata.mock.calls.length;
      const rendered = await renderThumbnail(data, 'jpeg', { maxPixels: 100_000_000 });
      expect({ file, bytes: rendered.jpeg.equals(expected.jpeg) }).toEqual({ file, bytes: true });
      expect([rendered.storedWidth, rendered.storedHeight, rendered.orientation]).toEqual([
        expected.width,
        expected.height,
        expected.orientation,
      ]);
      if (readJpegHeader(data)) expect(metadata.mock.calls.length).toBe(before);
    }
  });

  test('orientation from the first IFD, in either byte order; 1 without one', () => {
    expect(readJpegHeader(jpegWith([exifSegment([[0x0112, 3, 1, 6]])]))).toEqual({
      width: 640,
      height: 480,
      orientation: 6,
    });
    expect(readJpegHeader(jpegWith([exifSegment([[0x0112, 3, 1, 8]], 'MM')]))?.orientation).toBe(8);
    expect(readJpegHeader(jpegWith([exifSegment([[0x010f, 2, 1, 0]])]))?.orientation).toBe(1);
    expect(readJpegHeader(jpegWith([]))).toEqual({ width: 640, height: 480, orientation: 1 });
  });

  test('unusual headers are left to sharp', () => {
    const unusual = {
      'two EXIF segments': jpegWith([exifSegment([[0x0112, 3, 1, 6]]), exifSegment([[0x0112, 3, 1, 3]])]),
      'orientation 9': jpegWith([exifSegment([[0x0112, 3, 1, 9]])]),
      'orientation 0': jpegWith([exifSegment([[0x0112, 3, 1, 0]])]),
      'orientation as a LONG': jpegWith([exifSegment([[0x0112, 4, 1, 6]])]),
      'two orientation entries': jpegWith([
        exifSegment([
          [0x0112, 3, 1, 6],
          [0x0112, 3, 1, 3],
        ]),
      ]),
      'height 0 (DNL)': jpegWith([], { width: 640, height: 0 }),
      'two frame headers': Buffer.concat([
        Buffer.from([0xff, 0xd8]),
        jpegWith([]).subarray(2, 15),
        jpegWith([]).subarray(2),
      ]),
      'no start of scan': jpegWith([]).subarray(0, 15),
      'not a JPEG': Buffer.from('not a jpeg at all, just text'),
    };
    for (const [what, data] of Object.entries(unusual))
      expect({ what, header: readJpegHeader(data) }).toEqual({ what, header: undefined });
  });

  test('an IFD that runs past its segment is left to sharp', () => {
    const segment = exifSegment([[0x0112, 3, 1, 6]]);
    // Claim three entries where one is stored.
    segment.writeUInt16LE(3, 4 + 6 + 8);
    expect(readJpegHeader(jpegWith([segment]))).toBeUndefined();
  });
});
