import { jpegSegments } from './jpeg-segments.js';

/** What sharp's `metadata()` says of a JPEG that the thumbnail needs: stored size and EXIF orientation. */
export interface JpegHeaderFacts {
  width: number;
  height: number;
  /** 1..8; 1 when the file has no EXIF orientation. */
  orientation: number;
}

/** Start-of-frame markers: C0-CF but DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"
const ORIENTATION_TAG = 0x0112;
const SHORT = 3;

/**
 * A JPEG's stored size and EXIF orientation read from its header bytes, as libvips reads them for
 * sharp's `metadata()`, so that a small photo's digest need not pay a sharp pipeline for its header
 * (about 0.3 ms of CPU and a thread-pool round trip a photo). Only the plain case is answered: one
 * frame header before the first scan, at most one EXIF segment, whose first IFD is whole and holds
 * at most one orientation entry, a SHORT of 1..8. Anything else, `undefined`: then the caller asks
 * sharp, which decides every unusual file as before. A header is untrusted input; nothing here
 * reads past `data`.
 */
export function readJpegHeader(data: Uint8Array): JpegHeaderFacts | undefined {
  let frame: { width: number; height: number } | undefined;
  let exif: { start: number; end: number } | undefined;
  let reachedScan = false;
  for (const segment of jpegSegments(data)) {
    const { marker, start, end } = segment;
    if (marker === 0xda) {
      reachedScan = true;
      break;
    }
    if (isStartOfFrame(marker)) {
      // libjpeg refuses a second frame header; sharp then says so, not this.
      if (frame || end - start < 5) return undefined;
      frame = {
        height: (data[start + 1]! << 8) | data[start + 2]!,
        width: (data[start + 3]! << 8) | data[start + 4]!,
      };
    } else if (marker === 0xe1 && end - start >= 4 && startsWithExif(data, start)) {
      // libvips keeps the last of several EXIF segments; which one a file means is sharp's call.
      if (exif) return undefined;
      if (end - start < EXIF_HEADER.length || !EXIF_HEADER.every((b, i) => data[start + i] === b))
        return undefined;
      exif = { start: start + EXIF_HEADER.length, end };
    }
  }
  // A segment run cut short or malformed (jpegSegments stops quietly), a frame with no size (a DNL
  // marker gives the height later): sharp's to judge.
  if (!reachedScan || !frame || frame.width === 0 || frame.height === 0) return undefined;
  const orientation = exif ? exifOrientation(data.subarray(exif.start, exif.end)) : 1;
  return orientation === undefined ? undefined : { ...frame, orientation };
}

/** "Exif", the prefix by which libvips takes an APP1 segment for EXIF. */
function startsWithExif(data: Uint8Array, start: number): boolean {
  return (
    data[start] === EXIF_HEADER[0] &&
    data[start + 1] === EXIF_HEADER[1] &&
    data[start + 2] === EXIF_HEADER[2] &&
    data[start + 3] === EXIF_HEADER[3]
  );
}

/** The orientation in a TIFF structure's first IFD: 1 when absent, `undefined` when unusual. */
function exifOrientation(tiff: Uint8Array): number | undefined {
  if (tiff.length < 8) return undefined;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return undefined;
  const u16 = (at: number) => (little ? tiff[at]! | (tiff[at + 1]! << 8) : (tiff[at]! << 8) | tiff[at + 1]!);
  const u32 = (at: number) =>
    little
      ? (tiff[at]! | (tiff[at + 1]! << 8) | (tiff[at + 2]! << 16)) + tiff[at + 3]! * 0x1000000
      : tiff[at]! * 0x1000000 + ((tiff[at + 1]! << 16) | (tiff[at + 2]! << 8) | tiff[at + 3]!);
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd < 8 || ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  // Every entry must lie within the segment: a reader that drops the ones past its end could see
  // a different first IFD than this one.
  if (count === 0 || ifd + 2 + count * 12 > tiff.length) return undefined;
  let orientation = 1;
  let seen = false;
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    if (seen || u16(entry + 2) !== SHORT || u32(entry + 4) !== 1) return undefined;
    const value = u16(entry + 8);
    if (value < 1 || value > 8) return undefined;
    orientation = value;
    seen = true;
  }
  return orientation;
}
