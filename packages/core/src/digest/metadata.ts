import type { z } from 'zod';
import { lazySchema } from '../lazy-schema.js';
import type { SourceAttributes } from '../source/root-source.js';
import { type CameraBlockFacts, jpegBlockFacts, makerNoteFacts } from './camera-dates.js';
import { appleMakerNoteIdentifier } from './content-identifier.js';
import { cleanText, EXIF_MAKER_NOTE_OPTIONS, EXIF_OPTIONS, MAX_TEXT } from './exif-text.js';
import { type ExifrReaders, loadExifr } from './exifr-loader.js';
import type { ImageKind } from './image-kind.js';
import { jpegSegments } from './jpeg-segments.js';
import { millisecondsText, takenAtForm } from './taken-at.js';
import { readXmp } from './xmp.js';

/** The version of the metadata document written now; `metadataDocumentSchema` accepts this one only. */
export const METADATA_VERSION = 1;

/** The values of a document's `takenAtSource` (see the schema), for zod and the hand check alike. */
const TAKEN_AT_SOURCE_NAMES = [
  'DateTimeOriginal',
  'CreateDate',
  'XMP',
  'CIFF',
  'PictureInfo',
  'MakerNotes',
  'ModifyDate',
  'QuickTime',
  'Library',
  'XMPSidecar',
] as const;

/**
 * The metadata document stored per photo-md5 in the cache and in the catalog (versioned). Built on
 * first use (see lazySchema): a command that reads no document does not load zod.
 */
export const metadataDocumentSchema = lazySchema((z) => {
  const nullableNumber = z.number().finite().nullable();
  const nullableString = z.string().max(1024).nullable();
  return z.object({
    /** `METADATA_VERSION`. */
    version: z.literal(METADATA_VERSION),
    /** The MD5 of the whole file: the photo's identity, the same in every root that holds it. */
    photoMd5: z.string().regex(/^[0-9a-f]{32}$/),
    /** An `EntryKind`: an image kind (`jpeg`, `heic`, ...) or `video`. */
    kind: z.string(),
    /** The MIME type its header bytes say, e.g. `image/jpeg`, `video/quicktime`. */
    mime: z.string(),
    /** Lower-case extension of the file it was made from, without the dot (`''` when none). */
    extension: z.string().max(32),
    /** The file's size in bytes. */
    size: z.number().int().nonnegative(),
    /**
     * Capture time as ISO 8601, in one form (see taken-at.ts): `YYYY-MM-DDTHH:MM:SS`, `.sss` only when
     * the milliseconds are not zero, the offset as `±HH:MM` (UTC as `+00:00`) when one was recorded;
     * without one it is the camera's local clock time. Null when no EXIF date exists: never the file
     * mtime. Documents made before this form (`.000`, `Z`) are brought to it when read.
     */
    takenAt: z.string().nullable(),
    /**
     * Where `takenAt` came from, in the order exiftool takes it: EXIF `DateTimeOriginal`, `CreateDate`,
     * then the embedded XMP packet (`XMP`: `exif:DateTimeOriginal`, `photoshop:DateCreated`,
     * `xmp:CreateDate`), then the blocks of early cameras exiftool also reads (`CIFF`: a Canon heap in
     * APP0; `PictureInfo`: Olympus' text in APP12; `MakerNotes`: a Reconyx HyperFire maker note), then
     * `ModifyDate`. `QuickTime`: a video's `com.apple.quicktime.creationdate`
     * (with its zone) or `creation_time` (UTC). `XMPSidecar`: the photo's XMP sidecar file, which wins
     * over every date in the file (see `sidecar`).
     */
    takenAtSource: z.enum(TAKEN_AT_SOURCE_NAMES).nullable(),
    /** Displayed size, after orientation. */
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
    /** Stored size, before orientation. */
    storedWidth: z.number().int().nonnegative(),
    storedHeight: z.number().int().nonnegative(),
    /** EXIF orientation, 1 to 8 (1 when absent). */
    orientation: z.number().int().min(1).max(8),
    /** Camera and exposure, from EXIF; null when not recorded. `exposureTime` in seconds, `focalLength` in mm. */
    make: nullableString,
    model: nullableString,
    lens: nullableString,
    exposureTime: nullableNumber,
    fNumber: nullableNumber,
    iso: nullableNumber,
    focalLength: nullableNumber,
    /** Where it was taken, in degrees (altitude in metres); null when not recorded. */
    gps: z
      .object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        altitude: nullableNumber,
      })
      .nullable(),
    /** From the embedded XMP packet, where it has them: stars (0-5, -1 rejected), label, title, description, keywords. */
    rating: z.number().int().min(-1).max(5).optional(),
    label: z.string().max(1024).optional(),
    title: z.string().max(1024).optional(),
    description: z.string().max(1024).optional(),
    keywords: z.array(z.string().max(1024)).max(200).optional(),
    /** Videos only: length in seconds, clockwise display rotation in degrees, and the video codec. */
    durationSeconds: z.number().finite().nonnegative().optional(),
    rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]).optional(),
    videoCodec: z.string().max(64).optional(),
    /**
     * Apple's Live Photo identifier, the same in the photo (its Apple maker note) and in its movie
     * (QuickTime `com.apple.quicktime.content.identifier`): a photo and a movie of one folder with equal
     * identifiers are one Live Photo whatever their names (see groups.ts). Absent when not recorded.
     */
    contentIdentifier: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/)
      .optional(),
    /**
     * The XMP sidecar file read for this entry (`IMG_1234.xmp` or `IMG_1234.CR2.xmp`, a path relative to
     * the root), and which values it supplied (`sources`: `sidecar`). Where a sidecar and the file
     * disagree, the sidecar wins: it holds the user's edits. Only in the document `metadataDocument(id)`
     * returns for an entry: the cached file is the photo's own, shared by every copy of it.
     */
    sidecar: z.string().max(4096).optional(),
    sources: z
      .partialRecord(
        z.enum(['takenAt', 'rating', 'label', 'title', 'description', 'keywords', 'gps']),
        z.literal('sidecar'),
      )
      .optional(),
    /** From a photo library (Apple Photos), when the file came from one. */
    originalFilename: z.string().max(1024).nullable().optional(),
    favorite: z.boolean().optional(),
    hidden: z.boolean().optional(),
    /**
     * The 64-bit DCT hash of the 256x256 thumbnail, 16 hex digits (see perceptualHash): near-duplicates
     * have hashes a few bits apart. Absent from documents made before it existed; `duplicates --similar`
     * then computes it from the cached thumbnail.
     */
    perceptualHash: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .optional(),
  });
});

/**
 * A photo's metadata document (`metadataDocumentSchema`): kind, size, dimensions, capture time and its
 * source, camera and exposure, location, and for a video its duration, rotation and codec.
 */
export type MetadataDocument = z.infer<typeof metadataDocumentSchema>;

/** What EXIF says, before the decoder's dimensions are known. */
export interface ExifFacts {
  takenAt: string | null;
  takenAtSource: MetadataDocument['takenAtSource'];
  orientation: number | undefined;
  make: string | null;
  model: string | null;
  lens: string | null;
  exposureTime: number | null;
  fNumber: number | null;
  iso: number | null;
  focalLength: number | null;
  gps: MetadataDocument['gps'];
  /** Apple's Live Photo identifier, from the maker note of a photo whose `Make` is Apple. */
  contentIdentifier?: string;
  /** What the embedded XMP adds; only the fields it has. */
  xmp: Pick<MetadataDocument, 'rating' | 'label' | 'title' | 'description' | 'keywords'>;
}

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?/;
const OFFSET = /^[+-]\d{2}:\d{2}$/;

function exifDate(value: unknown, offset: unknown, subSec: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = EXIF_DATE.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  if (y === '0000' || mo === '00' || d === '00') return null;
  // In the one form (see taken-at.ts): a `SubSecTimeOriginal` of `00` adds nothing.
  const fraction =
    typeof subSec === 'string' && /^\d{1,3}$/.test(subSec.trim())
      ? millisecondsText(`.${subSec.trim()}`)
      : '';
  const zone = typeof offset === 'string' && OFFSET.test(offset.trim()) ? offset.trim() : '';
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${zone}`;
}

const text = (value: unknown): string | null => {
  if (typeof value !== 'string') return null;
  // EXIF text ends at its first NUL, as exiftool reads it: what follows is padding or stale bytes.
  const end = value.indexOf('\0');
  return cleanText(end < 0 ? value : value.slice(0, end));
};
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * Where a JPEG's compressed image data starts: its start-of-scan marker, after every APPn segment
 * (EXIF, XMP, ICC). Undefined when the bytes are not a well-formed run of JPEG segments.
 */
export function jpegHeaderLength(data: Uint8Array): number | undefined {
  for (const segment of jpegSegments(data)) if (segment.marker === 0xda) return segment.start - 4;
  return undefined;
}

/**
 * What exifr is given: for a JPEG, a copy of the segments before the image data, where all of its
 * metadata lives. Handed a whole photo, exifr keeps it reachable long enough for the garbage collector
 * to move it to the old generation, and freeing those took a full collection about every five camera
 * photos (8 where 2 were needed for 40 photos, measured; about 5% of a cold catalog's CPU).
 */
function exifInput(data: Uint8Array): Uint8Array {
  const header = jpegHeaderLength(data);
  return header === undefined ? data : new Uint8Array(data.subarray(0, header));
}

/**
 * The date (and camera) some early and special cameras wrote outside EXIF and XMP: a JPEG's CIFF or
 * Olympus picture-info block, else the maker note, which is parsed again only for a photo with EXIF.
 */
async function cameraBlockFacts(
  parse: ExifrReaders['parse'],
  input: Uint8Array,
  tags: Record<string, unknown>,
): Promise<CameraBlockFacts | undefined> {
  const inJpeg = jpegBlockFacts(input);
  if (inJpeg || Object.keys(tags).length === 0) return inJpeg;
  try {
    const withNote = (await parse(input, EXIF_MAKER_NOTE_OPTIONS)) as { makerNote?: unknown } | undefined;
    return withNote?.makerNote instanceof Uint8Array ? makerNoteFacts(withNote.makerNote) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Live Photo identifier in an Apple photo's maker note. The note is parsed again only for photos
 * whose `Make` is Apple: asking every photo for its maker note would copy every camera's note.
 */
async function appleIdentifier(parse: ExifrReaders['parse'], input: Uint8Array): Promise<string | undefined> {
  try {
    const withNote = (await parse(input, EXIF_MAKER_NOTE_OPTIONS)) as { makerNote?: unknown } | undefined;
    return withNote?.makerNote instanceof Uint8Array
      ? appleMakerNoteIdentifier(withNote.makerNote)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Reads EXIF from the file (exifr finds the block in JPEG, HEIC, TIFF and TIFF-based RAW). */
export async function readExif(data: Uint8Array): Promise<ExifFacts> {
  const { parse } = await loadExifr();
  let tags: Record<string, unknown> = {};
  const input = exifInput(data);
  try {
    tags = (await parse(input, EXIF_OPTIONS)) ?? {};
  } catch {
    // No or broken EXIF is normal (screenshots, exports); the image itself may still be fine.
  }
  const xmp = await readXmp(input);
  const candidates = [
    ['DateTimeOriginal', tags.DateTimeOriginal, tags.OffsetTimeOriginal, tags.SubSecTimeOriginal],
    [
      'CreateDate',
      tags.CreateDate ?? tags.DateTimeDigitized,
      tags.OffsetTimeDigitized,
      tags.SubSecTimeDigitized,
    ],
    ['ModifyDate', tags.ModifyDate ?? tags.DateTime, tags.OffsetTime, tags.SubSecTime],
  ] as const;
  let takenAt: string | null = null;
  let takenAtSource: ExifFacts['takenAtSource'] = null;
  let block: CameraBlockFacts | undefined;
  for (const [source, value, offset, sub] of candidates) {
    if (source === 'ModifyDate' && xmp?.takenAt) {
      takenAt = xmp.takenAt;
      takenAtSource = 'XMP';
      break;
    }
    if (source === 'ModifyDate') {
      block = await cameraBlockFacts(parse, input, tags);
      if (block) {
        takenAt = block.takenAt;
        takenAtSource = block.source;
        break;
      }
    }
    takenAt = exifDate(value, offset, sub);
    if (takenAt) {
      takenAtSource = source;
      break;
    }
  }
  const latitude = num(tags.latitude);
  const longitude = num(tags.longitude);
  let altitude = num(tags.GPSAltitude);
  const altitudeRef = tags.GPSAltitudeRef;
  const below = altitudeRef === 1 || (altitudeRef as { 0?: number } | undefined)?.[0] === 1;
  if (altitude !== null && below) altitude = -altitude;
  const orientation = num(tags.Orientation);
  const contentIdentifier = text(tags.Make) === 'Apple' ? await appleIdentifier(parse, input) : undefined;
  return {
    takenAt,
    takenAtSource,
    orientation: orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : undefined,
    make: text(tags.Make) ?? block?.make ?? null,
    model: text(tags.Model) ?? block?.model ?? null,
    lens: text(tags.LensModel) ?? text(tags.Lens),
    exposureTime: num(tags.ExposureTime),
    fNumber: num(tags.FNumber),
    iso: num(tags.ISO) ?? num(tags.ISOSpeedRatings),
    focalLength: num(tags.FocalLength),
    gps:
      latitude !== null && longitude !== null && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180
        ? { latitude, longitude, altitude }
        : xmp?.gps
          ? { ...xmp.gps, altitude: null }
          : null,
    ...(contentIdentifier ? { contentIdentifier } : {}),
    xmp: {
      ...(xmp?.rating != null ? { rating: xmp.rating } : {}),
      ...(xmp?.label ? { label: xmp.label } : {}),
      ...(xmp?.title ? { title: xmp.title } : {}),
      ...(xmp?.description ? { description: xmp.description } : {}),
      ...(xmp?.keywords.length ? { keywords: xmp.keywords } : {}),
    },
  };
}

/**
 * The lowercase extension of the last segment of `path`, without the dot, at most 32 characters; `''` when none.
 */
export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0
    ? name
        .slice(dot + 1)
        .toLowerCase()
        .slice(0, 32)
    : '';
}

/**
 * Merges what a photo library records into a document built from EXIF: the library's date, location,
 * favorite and original name win, because they are what the user last set in the library.
 */
export function applyLibraryAttributes(
  document: MetadataDocument,
  attributes: SourceAttributes | undefined,
): MetadataDocument {
  if (!attributes) return document;
  const merged: MetadataDocument = { ...document };
  if (attributes.takenAt) {
    // A library's date in the one form, whatever form its backend gave it in (see taken-at.ts).
    merged.takenAt = takenAtForm(attributes.takenAt);
    merged.takenAtSource = 'Library';
  }
  if (attributes.latitude !== undefined && attributes.longitude !== undefined) {
    merged.gps = {
      latitude: attributes.latitude,
      longitude: attributes.longitude,
      altitude: document.gps?.altitude ?? null,
    };
  }
  if (attributes.originalFilename !== undefined) merged.originalFilename = attributes.originalFilename;
  if (attributes.favorite !== undefined) merged.favorite = attributes.favorite;
  if (attributes.hidden !== undefined) merged.hidden = attributes.hidden;
  return metadataDocumentSchema.parse(merged);
}

/** The metadata document of an image, from its EXIF facts and the decoder's dimensions. */
export function buildMetadataDocument(input: {
  photoMd5: string;
  kind: ImageKind;
  mime: string;
  path: string;
  size: number;
  exif: ExifFacts;
  dimensions: {
    width: number;
    height: number;
    storedWidth: number;
    storedHeight: number;
    orientation: number;
  };
}): MetadataDocument {
  const { exif, dimensions } = input;
  const document = {
    version: METADATA_VERSION,
    photoMd5: input.photoMd5,
    kind: input.kind,
    mime: input.mime,
    extension: extensionOf(input.path),
    size: input.size,
    takenAt: exif.takenAt,
    takenAtSource: exif.takenAtSource,
    ...dimensions,
    make: exif.make,
    model: exif.model,
    lens: exif.lens,
    exposureTime: exif.exposureTime,
    fNumber: exif.fNumber,
    iso: exif.iso,
    focalLength: exif.focalLength,
    gps: exif.gps,
    ...(exif.contentIdentifier ? { contentIdentifier: exif.contentIdentifier } : {}),
    ...exif.xmp,
  };
  return asParsedImageDocument(document) ?? metadataDocumentSchema.parse(document);
}

/**
 * Every key of `metadataDocumentSchema`, in its order (a test holds the two equal). Written out: the
 * schema's own keys would load zod, which asParsedImageDocument is there to avoid.
 */
export const METADATA_DOCUMENT_KEYS = [
  'version',
  'photoMd5',
  'kind',
  'mime',
  'extension',
  'size',
  'takenAt',
  'takenAtSource',
  'width',
  'height',
  'storedWidth',
  'storedHeight',
  'orientation',
  'make',
  'model',
  'lens',
  'exposureTime',
  'fNumber',
  'iso',
  'focalLength',
  'gps',
  'rating',
  'label',
  'title',
  'description',
  'keywords',
  'durationSeconds',
  'rotation',
  'videoCodec',
  'contentIdentifier',
  'sidecar',
  'sources',
  'originalFilename',
  'favorite',
  'hidden',
  'perceptualHash',
] as const;

/**
 * The keys every document has, null when not recorded (a test holds them to the schema): left out of
 * a stored document when null (see storedDocumentText).
 */
export const NULLABLE_DOCUMENT_KEYS = [
  'takenAt',
  'takenAtSource',
  'make',
  'model',
  'lens',
  'exposureTime',
  'fNumber',
  'iso',
  'focalLength',
  'gps',
] as const satisfies readonly (typeof METADATA_DOCUMENT_KEYS)[number][];

const SCHEMA_KEYS: ReadonlySet<string> = new Set(METADATA_DOCUMENT_KEYS);
const TAKEN_AT_SOURCES: ReadonlySet<unknown> = new Set(TAKEN_AT_SOURCE_NAMES);
/** The schema's keys a document built from EXIF may have: asParsedImageDocument's. */
const IMAGE_KEYS: ReadonlySet<string> = new Set<string>([
  ...METADATA_DOCUMENT_KEYS.slice(0, METADATA_DOCUMENT_KEYS.indexOf('gps') + 1),
  'rating',
  'label',
  'title',
  'description',
  'keywords',
  'contentIdentifier',
]);
const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const textUpTo = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;
const nullableText = (v: unknown) => v === null || textUpTo(v, MAX_TEXT);
const finite = (v: unknown, min = -Infinity, max = Infinity) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const nullableFinite = (v: unknown) => v === null || finite(v);

/**
 * What `metadataDocumentSchema.parse(raw)` returns, for the documents a digest builds from EXIF (the
 * same values, keys in the schema's order, unknown keys dropped, new objects), checked by hand; or
 * undefined when `raw` has anything else, or anything the schema might refuse, for zod to decide and
 * to say what is wrong. A cold scan then never loads zod (about 130 ms of CPU a process) and checks
 * each document for a fraction of zod's cost. Stricter than the schema, never looser.
 */
export function asParsedImageDocument(raw: Record<string, unknown>): MetadataDocument | undefined {
  for (const key of Object.keys(raw)) {
    // A key the schema keeps that images do not have here (video, sidecar and library values, a
    // perceptual hash), or one present but undefined, which zod keeps as it is: zod's case.
    if (SCHEMA_KEYS.has(key) && (raw[key] === undefined || !IMAGE_KEYS.has(key))) return undefined;
  }
  const r = raw;
  if (
    r.version !== METADATA_VERSION ||
    typeof r.photoMd5 !== 'string' ||
    !/^[0-9a-f]{32}$/.test(r.photoMd5) ||
    typeof r.kind !== 'string' ||
    typeof r.mime !== 'string' ||
    !textUpTo(r.extension, 32) ||
    !count(r.size) ||
    !(r.takenAt === null || typeof r.takenAt === 'string') ||
    !(r.takenAtSource === null || TAKEN_AT_SOURCES.has(r.takenAtSource)) ||
    !count(r.width) ||
    !count(r.height) ||
    !count(r.storedWidth) ||
    !count(r.storedHeight) ||
    !(Number.isSafeInteger(r.orientation) && finite(r.orientation, 1, 8)) ||
    !nullableText(r.make) ||
    !nullableText(r.model) ||
    !nullableText(r.lens) ||
    !nullableFinite(r.exposureTime) ||
    !nullableFinite(r.fNumber) ||
    !nullableFinite(r.iso) ||
    !nullableFinite(r.focalLength)
  )
    return undefined;
  let gps: MetadataDocument['gps'] = null;
  if (r.gps !== null) {
    const g = r.gps as Record<string, unknown> | undefined;
    if (
      typeof g !== 'object' ||
      Array.isArray(g) ||
      !finite(g.latitude, -90, 90) ||
      !finite(g.longitude, -180, 180) ||
      !nullableFinite(g.altitude)
    )
      return undefined;
    gps = {
      latitude: g.latitude as number,
      longitude: g.longitude as number,
      altitude: g.altitude as number | null,
    };
  }
  // Key by key, as the checks above: a loop over a table of keys and checks, tried, took several
  // times the CPU of this.
  const document: Record<string, unknown> = {
    version: r.version,
    photoMd5: r.photoMd5,
    kind: r.kind,
    mime: r.mime,
    extension: r.extension,
    size: r.size,
    takenAt: r.takenAt,
    takenAtSource: r.takenAtSource,
    width: r.width,
    height: r.height,
    storedWidth: r.storedWidth,
    storedHeight: r.storedHeight,
    orientation: r.orientation,
    make: r.make,
    model: r.model,
    lens: r.lens,
    exposureTime: r.exposureTime,
    fNumber: r.fNumber,
    iso: r.iso,
    focalLength: r.focalLength,
    gps,
  };
  if ('rating' in r) {
    if (!(Number.isSafeInteger(r.rating) && finite(r.rating, -1, 5))) return undefined;
    document.rating = r.rating;
  }
  for (const key of ['label', 'title', 'description'] as const)
    if (key in r) {
      if (!textUpTo(r[key], MAX_TEXT)) return undefined;
      document[key] = r[key];
    }
  if ('keywords' in r) {
    const keywords = r.keywords;
    if (!Array.isArray(keywords) || keywords.length > 200) return undefined;
    // By index, not `every`, which skips the holes of a sparse array that zod would refuse.
    for (let i = 0; i < keywords.length; i++) if (!textUpTo(keywords[i], MAX_TEXT)) return undefined;
    document.keywords = [...keywords];
  }
  if ('contentIdentifier' in r) {
    if (typeof r.contentIdentifier !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(r.contentIdentifier))
      return undefined;
    document.contentIdentifier = r.contentIdentifier;
  }
  return document as MetadataDocument;
}
