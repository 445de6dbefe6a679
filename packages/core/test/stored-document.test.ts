import { describe, expect, test } from 'vitest';
import { storedDocument, storedDocumentText } from '../src/catalog/stored-document.js';
import { type MetadataDocument, metadataDocumentSchema } from '../src/digest/metadata.js';
import { documentWithoutExif } from './documents.js';

const MD5 = '0000101538f398e566e3bac1d0b5a529';

/** A photo without EXIF, as the bench's corpus has 100,000 of. */
const plain = documentWithoutExif({ photoMd5: MD5, size: 36221, perceptualHash: '8ded59671e1b1252' });

/** A phone's portrait photo: turned (stored dimensions swapped), GPS without altitude, XMP. */
const phone: MetadataDocument = {
  ...plain,
  kind: 'heic',
  mime: 'image/heic',
  extension: 'heic',
  takenAt: '2025-06-13T10:13:33+02:00',
  takenAtSource: 'DateTimeOriginal',
  width: 3024,
  height: 4032,
  storedWidth: 4032,
  storedHeight: 3024,
  orientation: 6,
  make: 'Apple',
  model: 'iPhone 13 Pro',
  lens: 'iPhone 13 Pro back triple camera 5.7mm f/1.5',
  exposureTime: 0.000616,
  fNumber: 1.5,
  iso: 0,
  focalLength: 5.7,
  gps: { latitude: 47.7728, longitude: 9.26895, altitude: null },
  rating: 0,
  keywords: ['sea', 'Lisbon'],
  contentIdentifier: 'A1B2C3D4-0000-1111-2222-333344445555',
};

const video: MetadataDocument = {
  ...plain,
  kind: 'video',
  mime: 'video/quicktime',
  extension: 'mov',
  takenAt: '2025-06-13T08:13:33Z',
  takenAtSource: 'QuickTime',
  gps: { latitude: -33.9, longitude: 151.2, altitude: 12.5 },
  durationSeconds: 3.2,
  rotation: 90,
  videoCodec: 'hevc',
};

/** From a photo library: `originalFilename` may be null, which is not the same as absent. */
const library: MetadataDocument = {
  ...plain,
  mime: 'image/png',
  originalFilename: null,
  favorite: false,
  hidden: true,
};

describe('metadata documents as the catalog stores them (schema 6)', () => {
  test.each([
    ['plain', plain],
    ['phone', phone],
    ['video', video],
    ['library', library],
  ])('a %s document is read back whole, every field and value as it was', (_, document) => {
    const text = storedDocumentText(document, MD5);
    const read = storedDocument(text, MD5);
    expect(read).toStrictEqual(document);
    expect(metadataDocumentSchema.parse(read)).toStrictEqual(metadataDocumentSchema.parse(document));
  });

  test('what the row or the document gives again is not stored: no nulls, version, photo-md5 or defaults', () => {
    const text = storedDocumentText(plain, MD5);
    expect(JSON.parse(text)).toStrictEqual({
      kind: 'jpeg',
      extension: 'jpg',
      size: 36221,
      width: 320,
      height: 240,
      perceptualHash: '8ded59671e1b1252',
    });
    expect(text.length).toBeLessThan(JSON.stringify(plain).length / 3);
    const phoneText = storedDocumentText(phone, MD5);
    expect(phoneText).not.toMatch(/null|"version"|"photoMd5"|"mime"/);
    // Turned: the stored dimensions differ from the displayed ones, so they are kept.
    expect(JSON.parse(phoneText)).toMatchObject({ storedWidth: 4032, storedHeight: 3024, orientation: 6 });
    expect(JSON.parse(phoneText).gps).toStrictEqual({ latitude: 47.7728, longitude: 9.26895 });
    expect(JSON.parse(storedDocumentText(video, MD5))).toMatchObject({ mime: 'video/quicktime' });
    // Only the fields every document has are taken as null when absent.
    expect(JSON.parse(storedDocumentText(library, MD5))).toMatchObject({ originalFilename: null });
  });

  test("a document of another photo keeps its photo-md5, and is read as that photo's", () => {
    const other = storedDocument(storedDocumentText(plain, MD5), 'f'.repeat(32)) as MetadataDocument;
    expect(other.photoMd5).toBe('f'.repeat(32));
    const kept = storedDocumentText({ ...plain, photoMd5: 'e'.repeat(32) }, MD5);
    expect((storedDocument(kept, MD5) as MetadataDocument).photoMd5).toBe('e'.repeat(32));
  });

  test('a document of an older snapshot, with its version, is read as it stands', () => {
    const whole = JSON.stringify(plain);
    expect(storedDocument(whole, MD5)).toStrictEqual(plain);
    // Even one that leaves out what a compacted one may: it is not completed, and stays invalid.
    const { takenAt: _, ...withoutTakenAt } = plain;
    const old = storedDocument(JSON.stringify(withoutTakenAt), MD5);
    expect(metadataDocumentSchema.safeParse(old).success).toBe(false);
    // Another version is stored whole, never compacted.
    const future = { ...plain, version: 2 };
    expect(storedDocumentText(future, MD5)).toBe(JSON.stringify(future));
  });

  test('a text that is not JSON, or not a document, reads as nothing valid', () => {
    expect(storedDocument('{ not json', MD5)).toBeUndefined();
    expect(storedDocument(null, MD5)).toBeUndefined();
    expect(storedDocument('[1,2]', MD5)).toStrictEqual([1, 2]);
    expect(metadataDocumentSchema.safeParse(storedDocument('{}', MD5)).success).toBe(false);
  });
});
