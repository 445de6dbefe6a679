/**
 * What the metadata readers share: how a text value from a file is cleaned, and the options exifr is
 * given. Each reader keeps one options object for the life of the process: exifr caches its parsed
 * form per options object in a Map that is never cleared, so a fresh literal per call leaks about 7 KB
 * per photo.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are not text
const CONTROL_CHARACTERS = /[\u0000-\u001f]+/g;

/** A longest text value kept: what the metadata document accepts. */
export const MAX_TEXT = 1024;

/**
 * A text value as the metadata document stores it: control characters (NUL padding, line breaks)
 * become one space, the ends are trimmed, and it is cut at MAX_TEXT characters. Null when nothing is left.
 */
export function cleanText(value: string): string | null {
  const cleaned = value.replace(CONTROL_CHARACTERS, ' ').trim();
  return cleaned === '' ? null : cleaned.slice(0, MAX_TEXT);
}

/** Every exifr block off, values as stored: each reader turns on what it reads. */
const NOTHING = {
  tiff: false,
  exif: false,
  gps: false,
  ifd1: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  makerNote: false,
  userComment: false,
  reviveValues: false,
  translateValues: false,
} as const;

/** EXIF, TIFF and GPS tags merged into one object (see readExif). */
export const EXIF_OPTIONS = { ...NOTHING, tiff: true, exif: true, gps: true, mergeOutput: true } as const;
/** The same with the maker note, asked for only when a photo has no date elsewhere. */
export const EXIF_MAKER_NOTE_OPTIONS = { ...EXIF_OPTIONS, makerNote: true } as const;
/** The XMP packet alone, by namespace (see readXmp). */
export const XMP_OPTIONS = { ...NOTHING, xmp: true, mergeOutput: false } as const;
