import { describe, expect, test } from 'vitest';
import {
  asParsedImageDocument,
  buildMetadataDocument,
  type ExifFacts,
  METADATA_DOCUMENT_KEYS,
  METADATA_VERSION,
  metadataDocumentSchema,
  NULLABLE_DOCUMENT_KEYS,
} from '../src/digest/metadata.js';

// buildMetadataDocument checks the documents it makes by hand (asParsedImageDocument), and hands
// anything else to zod: the hand check must give what zod gives, key order included, and must never
// accept what zod refuses.

const exif: ExifFacts = {
  takenAt: '2024-05-01T10:00:00.120+02:00',
  takenAtSource: 'DateTimeOriginal',
  orientation: 6,
  make: 'Photolala',
  model: 'Bench Camera',
  lens: null,
  exposureTime: 0.004,
  fNumber: 1.8,
  iso: 200,
  focalLength: 5.7,
  gps: { latitude: 35.6, longitude: 139.7, altitude: -3.5 },
  contentIdentifier: 'A1B2C3D4-0000-4000-8000-000000000001',
  xmp: { rating: 4, label: 'Red', title: 'Tokyo', description: 'street', keywords: ['a', 'b c'] },
};
// What renderThumbnail returns and the digest passes as `dimensions`: the JPEG and the source size
// of a HEIF thumbnail item ride along, and are not part of the document.
const dimensions = {
  width: 3000,
  height: 4000,
  storedWidth: 4000,
  storedHeight: 3000,
  orientation: 6,
  jpeg: Buffer.from([0xff, 0xd8]),
  renderedFrom: { width: 320, height: 240, thumbnailItem: true },
};
const input = {
  photoMd5: '0123456789abcdef0123456789abcdef',
  kind: 'jpeg' as const,
  mime: 'image/jpeg',
  path: 'DCIM/IMG_0001.JPG',
  size: 1_234_567,
  exif,
  dimensions,
};

/** The raw document buildMetadataDocument hands to the check, as it builds it. */
const raw = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  version: METADATA_VERSION,
  photoMd5: input.photoMd5,
  kind: 'jpeg',
  mime: 'image/jpeg',
  extension: 'jpg',
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
  contentIdentifier: exif.contentIdentifier,
  ...exif.xmp,
  ...over,
});

/** Keys and values in order, at every level: what the cache file's JSON text shows. */
const text = (value: unknown) => JSON.stringify(value);

test('the hand-kept key list is the schema’s, in its order', () => {
  expect([...METADATA_DOCUMENT_KEYS]).toEqual(Object.keys(metadataDocumentSchema.shape));
});

test('the hand-kept list of keys null when not recorded is the schema’s', () => {
  // Those every document has that may be null: a stored document leaves them out when null.
  const nullable = Object.entries(metadataDocumentSchema.shape)
    .filter(([, field]) => field.safeParse(null).success && !field.safeParse(undefined).success)
    .map(([key]) => key);
  expect(nullable).toHaveLength(10);
  expect([...NULLABLE_DOCUMENT_KEYS]).toEqual(nullable);
});

describe('asParsedImageDocument', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['full EXIF', raw()],
    [
      'no EXIF at all',
      raw({
        takenAt: null,
        takenAtSource: null,
        make: null,
        model: null,
        exposureTime: null,
        fNumber: null,
        iso: null,
        focalLength: null,
        gps: null,
        contentIdentifier: undefined,
        rating: undefined,
        label: undefined,
        title: undefined,
        description: undefined,
        keywords: undefined,
      }),
    ],
    [
      'GPS without altitude, rejected rating -1',
      raw({ gps: { longitude: -180, latitude: 90, altitude: null }, rating: -1 }),
    ],
    [
      'texts at the limit',
      raw({ make: 'm'.repeat(1024), keywords: Array.from({ length: 200 }, () => 'k'.repeat(1024)) }),
    ],
    ['empty extension and size 0', raw({ extension: '', size: 0, takenAtSource: 'MakerNotes' })],
  ];
  for (const [name, document] of accepted)
    test(`gives what zod gives: ${name}`, () => {
      // Keys present but undefined are zod's case; buildMetadataDocument never makes them.
      const defined = Object.fromEntries(Object.entries(document).filter(([, v]) => v !== undefined));
      const checked = asParsedImageDocument(defined);
      expect(checked).toBeDefined();
      expect(text(checked)).toBe(text(metadataDocumentSchema.parse(defined)));
      expect(checked).toEqual(metadataDocumentSchema.parse(defined));
      expect(checked).not.toHaveProperty('jpeg');
      // New objects, as zod's are: the document does not share the EXIF facts' arrays.
      if (defined.keywords) expect(checked?.keywords).not.toBe(defined.keywords);
      if (defined.gps) expect(checked?.gps).not.toBe(defined.gps);
    });

  const refusedOrZods: [string, Record<string, unknown>][] = [
    ['orientation 9', raw({ orientation: 9 })],
    ['orientation 1.5', raw({ orientation: 1.5 })],
    ['a bad photo-md5', raw({ photoMd5: 'XYZ' })],
    ['another version', raw({ version: 2 })],
    ['a negative size', raw({ size: -1 })],
    ['a size past 2^53', raw({ size: 2 ** 60 })],
    ['a make over 1024 characters', raw({ make: 'm'.repeat(1025) })],
    ['an extension over 32 characters', raw({ extension: 'e'.repeat(33) })],
    ['NaN exposure', raw({ exposureTime: Number.NaN })],
    ['infinite ISO', raw({ iso: Number.POSITIVE_INFINITY })],
    ['latitude 91', raw({ gps: { latitude: 91, longitude: 0, altitude: null } })],
    ['GPS as an array', raw({ gps: [1, 2, 3] })],
    ['rating 6', raw({ rating: 6 })],
    ['201 keywords', raw({ keywords: Array.from({ length: 201 }, () => 'k') })],
    ['a keyword that is no string', raw({ keywords: ['a', 3] })],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case
    ['a sparse keyword list', raw({ keywords: [, 'a'] })],
    ['an unknown takenAtSource', raw({ takenAtSource: 'FileModifyDate' })],
    ['a content identifier with a space', raw({ contentIdentifier: 'a b' })],
    ['a key present but undefined', raw({ label: undefined })],
    ['a perceptual hash (the digest adds it later)', raw({ perceptualHash: '0123456789abcdef' })],
    ['a video key', raw({ durationSeconds: 3 })],
  ];
  for (const [name, document] of refusedOrZods)
    test(`leaves to zod: ${name}`, () => {
      expect(asParsedImageDocument(document)).toBeUndefined();
    });
  test('everything it leaves to zod here, zod refuses or keeps differently', () => {
    const refused = refusedOrZods.filter(([, d]) => !metadataDocumentSchema.safeParse(d).success);
    // All but the three zod accepts: a key present but undefined, a perceptual hash, a video key.
    expect(refused.map(([name]) => name)).toHaveLength(refusedOrZods.length - 3);
  });
});

test('buildMetadataDocument: the document and its errors are zod’s', () => {
  const built = buildMetadataDocument(input);
  expect(text(built)).toBe(
    text(
      metadataDocumentSchema.parse(
        Object.fromEntries(Object.entries(raw()).filter(([, v]) => v !== undefined)),
      ),
    ),
  );
  expect(Object.keys(built)[0]).toBe('version');
  expect(built.keywords).toEqual(['a', 'b c']);
  // Refused values reach zod, whose error names the field.
  expect(() => buildMetadataDocument({ ...input, exif: { ...exif, make: 'm'.repeat(2000) } })).toThrow(
    /make/,
  );
  expect(() => buildMetadataDocument({ ...input, dimensions: { ...dimensions, orientation: 0 } })).toThrow(
    /orientation/,
  );
});
