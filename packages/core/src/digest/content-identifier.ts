/**
 * Apple's Live Photo identifier: the same UUID in the photo's maker note (tag 0x0011, which exiftool
 * calls `ContentIdentifier` or `MediaGroupUUID`) and in the movie's QuickTime metadata
 * (`com.apple.quicktime.content.identifier`). It pairs a photo and its movie whatever their names.
 */

/** What an identifier may be: Apple writes an upper-case UUID; anything printable up to this length is kept. */
const IDENTIFIER = /^[\x21-\x7e]{1,128}$/;

/** `value` when it is a plausible content identifier (see IDENTIFIER), else undefined. */
export function contentIdentifier(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // ASCII text in EXIF ends at its first NUL.
  const trimmed = (value.split('\0')[0] ?? '').trim();
  return IDENTIFIER.test(trimmed) ? trimmed : undefined;
}

const HEADER = 'Apple iOS\0';
/** The header, two bytes of version and the byte order `MM`: the IFD starts after them. */
const IFD_START = 14;
const CONTENT_IDENTIFIER_TAG = 0x0011;
const ASCII = 2;
/** More entries than any Apple maker note has (about 60): a larger count is a broken note. */
const MAX_ENTRIES = 512;

/**
 * The content identifier in an Apple maker note (the raw value of EXIF tag 0x927c): a big-endian IFD
 * after a 14-byte header, its offsets counted from the note's first byte. Undefined when the note is
 * not Apple's, has no identifier, or points outside itself.
 */
export function appleMakerNoteIdentifier(note: Uint8Array): string | undefined {
  if (note.length < IFD_START + 2) return undefined;
  const bytes = Buffer.from(note.buffer, note.byteOffset, note.length);
  if (bytes.toString('latin1', 0, HEADER.length) !== HEADER) return undefined;
  if (bytes.toString('latin1', 12, 14) !== 'MM') return undefined;
  const count = bytes.readUInt16BE(IFD_START);
  if (count > MAX_ENTRIES) return undefined;
  for (let i = 0; i < count; i++) {
    const entry = IFD_START + 2 + i * 12;
    if (entry + 12 > bytes.length) return undefined;
    if (bytes.readUInt16BE(entry) !== CONTENT_IDENTIFIER_TAG) continue;
    if (bytes.readUInt16BE(entry + 2) !== ASCII) return undefined;
    const size = bytes.readUInt32BE(entry + 4);
    const offset = size <= 4 ? entry + 8 : bytes.readUInt32BE(entry + 8);
    if (size > 256 || offset + size > bytes.length) return undefined;
    return contentIdentifier(bytes.toString('latin1', offset, offset + size));
  }
  return undefined;
}
