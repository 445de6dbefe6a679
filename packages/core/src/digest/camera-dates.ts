import { jpegSegments } from './jpeg-segments.js';

/**
 * A capture date a camera recorded outside EXIF and XMP, where exiftool finds it and exifr does not,
 * with the camera's name where the same block gives it.
 */
export interface CameraBlockFacts {
  /** Capture time as the camera's local clock time, ISO 8601 without an offset. */
  takenAt: string;
  /**
   * The block it was read from: `CIFF` (the Canon heap some PowerShot models put in a JPEG's APP0),
   * `PictureInfo` (the `[picture info]` text early Olympus models put in APP12), or `MakerNotes`
   * (a Reconyx HyperFire maker note).
   */
  source: 'CIFF' | 'PictureInfo' | 'MakerNotes';
  make?: string;
  model?: string;
}

/** Cameras of these blocks predate 1990 not at all; a value outside is a broken block, not a date. */
const PLAUSIBLE_SECONDS = { min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 };

/** Seconds since 1970 that a camera wrote for its local clock, as that clock time. */
function clockTime(seconds: number): string | undefined {
  if (seconds < PLAUSIBLE_SECONDS.min || seconds >= PLAUSIBLE_SECONDS.max) return undefined;
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

/** The CIFF or Olympus picture-info date in a JPEG's APP segments, the first found. */
export function jpegBlockFacts(data: Uint8Array): CameraBlockFacts | undefined {
  for (const segment of jpegSegments(data)) {
    const payload = data.subarray(segment.start, segment.end);
    const facts =
      segment.marker === 0xe0
        ? ciffFacts(payload)
        : segment.marker === 0xec
          ? pictureInfoFacts(payload)
          : undefined;
    if (facts) return facts;
  }
  return undefined;
}

const ascii = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');

/** Olympus' text block: `[picture info]` then `TimeDate=<seconds>` among `key=value` lines. */
function pictureInfoFacts(payload: Uint8Array): CameraBlockFacts | undefined {
  const text = ascii(payload);
  const section = text.indexOf('[picture info]');
  if (section < 0) return undefined;
  const match = /\r?\nTimeDate=(\d{1,10})\r?\n/.exec(text.slice(section));
  const takenAt = match ? clockTime(Number(match[1])) : undefined;
  return takenAt ? { takenAt, source: 'PictureInfo' } : undefined;
}

// CIFF: a byte-order mark, the header's length, "HEAPJPGM"; then a heap whose last four bytes give the
// offset of its table of 10-byte records (tag, size, offset). Tags 0x2800/0x3000 hold heaps of their own.
const CIFF_TYPE = 'HEAPJPGM';
const TIME_STAMP = 0x180e;
const MAKE_MODEL = 0x080a;
const MAX_DEPTH = 6;

function ciffFacts(payload: Uint8Array): CameraBlockFacts | undefined {
  if (payload.length < 14 || ascii(payload.subarray(6, 14)) !== CIFF_TYPE) return undefined;
  const order = ascii(payload.subarray(0, 2));
  if (order !== 'II' && order !== 'MM') return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const found: { seconds?: number; makeModel?: string[] } = {};
  walkHeap(view, order === 'II', view.getUint32(2, order === 'II'), payload.length, 0, found);
  const takenAt = found.seconds === undefined ? undefined : clockTime(found.seconds);
  if (!takenAt) return undefined;
  const [make, model] = found.makeModel ?? [];
  return { takenAt, source: 'CIFF', ...(make ? { make } : {}), ...(model ? { model } : {}) };
}

function walkHeap(
  view: DataView,
  little: boolean,
  start: number,
  end: number,
  depth: number,
  found: { seconds?: number; makeModel?: string[] },
): void {
  if (depth > MAX_DEPTH || start < 0 || end > view.byteLength || end - start < 6) return;
  const table = start + view.getUint32(end - 4, little);
  if (table < start || table + 2 > end - 4) return;
  const count = view.getUint16(table, little);
  for (let i = 0; i < count; i++) {
    const record = table + 2 + i * 10;
    if (record + 10 > end - 4) return;
    const tag = view.getUint16(record, little);
    // Records of up to 8 bytes may hold their value in place of the size and offset.
    const inRecord = (tag & 0xc000) === 0x4000;
    const size = inRecord ? 8 : view.getUint32(record + 2, little);
    const offset = inRecord ? record + 2 : start + view.getUint32(record + 6, little);
    if (offset < start || offset + size > end) continue;
    const id = tag & 0x3fff;
    if (id === TIME_STAMP && size >= 4) found.seconds ??= view.getUint32(offset, little);
    else if (id === MAKE_MODEL && !found.makeModel) {
      const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, size);
      found.makeModel = ascii(bytes)
        .split('\0')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .slice(0, 2);
    } else if ((tag & 0x3800) === 0x2800 || (tag & 0x3800) === 0x3000)
      walkHeap(view, little, offset, offset + size, depth + 1, found);
  }
}

/**
 * The capture date in a Reconyx HyperFire trail camera's maker note (version 0xF101): six 16-bit
 * words from byte 22, second, minute, hour, month, day, year, as exiftool's Reconyx module reads them.
 */
export function makerNoteFacts(makerNote: Uint8Array): CameraBlockFacts | undefined {
  if (makerNote.length < 34 || makerNote[0] !== 0x01 || makerNote[1] !== 0xf1) return undefined;
  const view = new DataView(makerNote.buffer, makerNote.byteOffset, makerNote.length);
  const [second, minute, hour, month, day, year] = [0, 1, 2, 3, 4, 5].map((i) =>
    view.getUint16(22 + i * 2, true),
  ) as [number, number, number, number, number, number];
  const valid =
    year >= 1990 &&
    year < 2100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 31 &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  if (!valid) return undefined;
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    takenAt: `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`,
    source: 'MakerNotes',
  };
}
