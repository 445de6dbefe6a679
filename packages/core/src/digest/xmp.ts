import { cleanText, XMP_OPTIONS } from './exif-text.js';
import { loadExifr } from './exifr-loader.js';
import { millisecondsText } from './taken-at.js';

/** What a photo's embedded XMP packet says that EXIF may not: the user's rating, words and dates. */
export interface XmpFacts {
  /** `exif:DateTimeOriginal`, else `photoshop:DateCreated`, else `xmp:CreateDate`, as ISO 8601. */
  takenAt: string | null;
  /** `xmp:Rating`, 0 to 5 stars (-1, "rejected", is kept as -1). */
  rating: number | null;
  label: string | null;
  title: string | null;
  description: string | null;
  /** `dc:subject`. */
  keywords: string[];
  gps: { latitude: number; longitude: number } | null;
}

// A photo without this namespace in its header has no XMP packet: most camera JPEGs, and not
// parsing them keeps the digest's cost where it was.
const XMP_NAMESPACE = Buffer.from('http://ns.adobe.com/xap/1.0/');
/** XMP sits near the start of every container we read (JPEG APP1, HEIC meta, PNG iTXt). */
const SEARCHED_BYTES = 512 * 1024;

type Namespaces = Record<string, Record<string, unknown> | undefined>;

/** The XMP facts of a photo (or its metadata segments), or undefined when it has no XMP packet. */
export async function readXmp(data: Uint8Array): Promise<XmpFacts | undefined> {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, SEARCHED_BYTES));
  if (head.indexOf(XMP_NAMESPACE) === -1) return undefined;
  const { parse } = await loadExifr();
  let parsed: Namespaces | undefined;
  try {
    parsed = (await parse(data, XMP_OPTIONS)) as Namespaces | undefined;
  } catch {
    // A broken packet is as good as none: EXIF still gives what it has.
    return undefined;
  }
  return parsed ? xmpFacts(parsed) : undefined;
}

/** Largest sidecar read: darktable's edit history makes some long, but never this long. */
export const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

/**
 * The facts of an XMP sidecar file (`IMG_1234.xmp` as Adobe writes it, `IMG_1234.CR2.xmp` as
 * darktable does), or undefined when it is not one exifr can read.
 */
export async function readXmpSidecar(data: Uint8Array): Promise<XmpFacts | undefined> {
  const { sidecar } = await loadExifr();
  let parsed: Namespaces | undefined;
  try {
    parsed = (await sidecar(
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      XMP_OPTIONS,
      'xmp',
    )) as Namespaces | undefined;
  } catch {
    return undefined;
  }
  return parsed ? xmpFacts(parsed) : undefined;
}

function xmpFacts(parsed: Namespaces): XmpFacts {
  const { xmp = {}, dc = {}, photoshop = {}, exif = {} } = parsed;
  const rating = typeof xmp.Rating === 'number' && Number.isInteger(xmp.Rating) ? xmp.Rating : null;
  const latitude = xmpCoordinate(exif.GPSLatitude, 'N', 'S', 90);
  const longitude = xmpCoordinate(exif.GPSLongitude, 'E', 'W', 180);
  return {
    takenAt: xmpDate(exif.DateTimeOriginal) ?? xmpDate(photoshop.DateCreated) ?? xmpDate(xmp.CreateDate),
    rating: rating !== null && rating >= -1 && rating <= 5 ? rating : null,
    label: words(xmp.Label),
    title: words(dc.title),
    description: words(dc.description),
    keywords: (Array.isArray(dc.subject) ? dc.subject : [dc.subject])
      .map(words)
      .filter((k): k is string => k !== null)
      .slice(0, 200),
    gps: latitude !== null && longitude !== null ? { latitude, longitude } : null,
  };
}

/** A text value, or the default-language entry of a language alternative (`{ lang, value }`). */
function words(value: unknown): string | null {
  const picked = Array.isArray(value) ? value[0] : value;
  const raw = typeof picked === 'object' && picked !== null ? (picked as { value?: unknown }).value : picked;
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  return cleanText(String(raw));
}

const XMP_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * An XMP date (ISO 8601, to any precision from the year down) as the metadata document writes dates:
 * `YYYY-MM-DDTHH:MM:SS[.sss][zone]` (see taken-at.ts), a missing part taken as its first value. Null
 * when malformed.
 */
export function xmpDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = XMP_DATE.exec(value.trim());
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', fraction = '', zone = ''] = m;
  if (y === '0000' || mo === '00' || d === '00' || Number(mo) > 12 || Number(d) > 31) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  const millis = millisecondsText(fraction);
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${millis}${zone === 'Z' ? '+00:00' : zone}`;
}

/** An XMP GPS coordinate, `DDD,MM.mmmk` or `DDD,MM,SSk` with k the hemisphere, in signed degrees. */
function xmpCoordinate(value: unknown, positive: string, negative: string, limit: number): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{1,3}),(\d{1,2}(?:\.\d+)?)(?:,(\d{1,2}(?:\.\d+)?))?([NSEW])$/.exec(value.trim());
  if (!m) return null;
  const [, degrees, minutes, seconds = '0', hemisphere] = m;
  if (hemisphere !== positive && hemisphere !== negative) return null;
  const magnitude = Number(degrees) + Number(minutes) / 60 + Number(seconds) / 3600;
  if (magnitude > limit || Number(minutes) >= 60 || Number(seconds) >= 60) return null;
  return hemisphere === negative ? -magnitude : magnitude;
}
