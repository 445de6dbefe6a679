import type { ImageKind } from './image-kind.js';

interface Span {
  offset: number;
  length: number;
}

const isJpegAt = (data: Uint8Array, offset: number) =>
  offset + 3 <= data.length &&
  data[offset] === 0xff &&
  data[offset + 1] === 0xd8 &&
  data[offset + 2] === 0xff;

/**
 * Embedded JPEG previews of a camera RAW file, largest first. RAW sensor data is not decoded: every
 * common RAW format carries a full- or half-size JPEG rendered by the camera, which is what a
 * thumbnail needs. Returns an empty list when none is found.
 */
export function findEmbeddedJpegs(data: Uint8Array, kind: ImageKind): Uint8Array[] {
  const spans: Span[] = [];
  if (kind === 'raf') {
    // Fujifilm RAF header: JPEG offset and length as big-endian words at bytes 84 and 88.
    if (data.length >= 92) {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      spans.push({ offset: view.getUint32(84), length: view.getUint32(88) });
    }
  } else if (kind === 'cr3') {
    spans.push(...cr3Previews(data));
  } else {
    spans.push(...tiffJpegSpans(data));
  }
  return spans
    .filter((s) => s.length > 2 && s.offset + s.length <= data.length && isJpegAt(data, s.offset))
    .sort((a, b) => b.length - a.length)
    .map((s) => data.subarray(s.offset, s.offset + s.length));
}

/** Canon CR3 (ISO BMFF): the preview sits in a `PRVW` box, its JPEG length in the word before the JPEG. */
function cr3Previews(data: Uint8Array): Span[] {
  const spans: Span[] = [];
  const tag = [0x50, 0x52, 0x56, 0x57]; // "PRVW"
  const limit = Math.min(data.length - 4, 4 * 1024 * 1024);
  for (let i = 0; i < limit; i++) {
    if (data[i] !== tag[0] || data[i + 1] !== tag[1] || data[i + 2] !== tag[2] || data[i + 3] !== tag[3])
      continue;
    for (let j = i + 4; j < Math.min(i + 64, data.length - 3); j++) {
      if (isJpegAt(data, j) && j >= 4) {
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        spans.push({ offset: j, length: view.getUint32(j - 4) });
        break;
      }
    }
  }
  return spans;
}

/**
 * TIFF-structured RAW files (DNG, CR2, NEF, ARW, ORF, RW2): walk IFD0, its chain and SubIFDs and
 * collect JPEG streams named by JPEGInterchangeFormat/Length, by single-strip JPEG-compressed
 * images, or by Panasonic's JpgFromRaw tag.
 */
function tiffJpegSpans(data: Uint8Array): Span[] {
  if (data.length < 16) return [];
  const little = data[0] === 0x49 && data[1] === 0x49;
  const big = data[0] === 0x4d && data[1] === 0x4d;
  if (!little && !big) return [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const u16 = (o: number) => view.getUint16(o, little);
  const u32 = (o: number) => view.getUint32(o, little);
  const spans: Span[] = [];
  const seen = new Set<number>();
  const queue: number[] = [u32(4)];
  const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8, 13: 4 };
  while (queue.length > 0 && seen.size < 64) {
    const ifd = queue.shift()!;
    if (ifd < 8 || ifd + 2 > data.length || seen.has(ifd)) continue;
    seen.add(ifd);
    const count = u16(ifd);
    if (ifd + 2 + count * 12 + 4 > data.length) continue;
    const values = new Map<number, { type: number; count: number; valueOffset: number }>();
    for (let i = 0; i < count; i++) {
      const at = ifd + 2 + i * 12;
      const type = u16(at + 2);
      const n = u32(at + 4);
      const size = (TYPE_SIZES[type] ?? 1) * n;
      values.set(u16(at), { type, count: n, valueOffset: size <= 4 ? at + 8 : u32(at + 8) });
    }
    const scalar = (tag: number): number | undefined => {
      const v = values.get(tag);
      if (!v || v.valueOffset + 4 > data.length) return undefined;
      return v.type === 3 ? u16(v.valueOffset) : u32(v.valueOffset);
    };
    const jpegOffset = scalar(0x0201);
    const jpegLength = scalar(0x0202);
    if (jpegOffset !== undefined && jpegLength !== undefined)
      spans.push({ offset: jpegOffset, length: jpegLength });
    const compression = scalar(0x0103);
    const strips = values.get(0x0111);
    if ((compression === 6 || compression === 7) && strips?.count === 1) {
      const offset = scalar(0x0111);
      const length = scalar(0x0117);
      if (offset !== undefined && length !== undefined) spans.push({ offset, length });
    }
    const jpgFromRaw = values.get(0x002e);
    if (jpgFromRaw && jpgFromRaw.type === 7)
      spans.push({ offset: jpgFromRaw.valueOffset, length: jpgFromRaw.count });
    const subIfds = values.get(0x014a);
    if (subIfds) {
      for (let i = 0; i < Math.min(subIfds.count, 16); i++) {
        // One offset is stored inline, several behind a pointer: either way they are consecutive.
        const o = subIfds.valueOffset + i * 4;
        if (o + 4 <= data.length) queue.push(u32(o));
      }
    }
    const next = u32(ifd + 2 + count * 12);
    if (next) queue.push(next);
  }
  return spans;
}
