import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readExif } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/fs.js';

// Every photo of fixtures/real and fixtures/exif-samples, read by our EXIF reader and held to what
// exiftool read from the same file (fixtures/exif-samples/exiftool.json, tags by group; NOTICE.md
// says how it is made).

type Tags = Record<string, string | number | undefined> & { file: string };

const corpus = JSON.parse(
  await readFile(path.join(REPO_ROOT, 'fixtures/exif-samples/exiftool.json'), 'utf8'),
) as Tags[];

/**
 * Our documented order for the capture date (metadata.ts, `takenAtSource`), as exiftool's tags: the
 * EXIF dates with their offsets, the XMP dates, the blocks of early cameras, then EXIF ModifyDate.
 */
const DATE_ORDER: { tag: string; offset?: string; source: string }[] = [
  { tag: 'ExifIFD:DateTimeOriginal', offset: 'ExifIFD:OffsetTimeOriginal', source: 'DateTimeOriginal' },
  { tag: 'ExifIFD:CreateDate', offset: 'ExifIFD:OffsetTimeDigitized', source: 'CreateDate' },
  { tag: 'XMP-exif:DateTimeOriginal', source: 'XMP' },
  { tag: 'XMP-photoshop:DateCreated', source: 'XMP' },
  { tag: 'XMP-xmp:CreateDate', source: 'XMP' },
  { tag: 'CIFF:DateTimeOriginal', source: 'CIFF' },
  { tag: 'PictureInfo:DateTimeOriginal', source: 'PictureInfo' },
  { tag: 'Reconyx:DateTimeOriginal', source: 'MakerNotes' },
  { tag: 'IFD0:ModifyDate', offset: 'ExifIFD:OffsetTime', source: 'ModifyDate' },
];

/** exiftool's `2008:05:30 15:56:01[+02:00]` or `2003:08:31` as our ISO 8601 form. */
function iso(date: string, offset: unknown): string {
  const [day, time = '00:00:00'] = date.split(' ');
  return `${day!.replaceAll(':', '-')}T${time}${typeof offset === 'string' ? offset : ''}`;
}

function expectedDate(tags: Tags): { takenAt: string; source: string } | null {
  for (const { tag, offset, source } of DATE_ORDER) {
    const value = tags[tag];
    if (typeof value === 'string') return { takenAt: iso(value, offset && tags[offset]), source };
  }
  return null;
}

describe('our metadata agrees with exiftool on every fixture photo', () => {
  test('the corpus holds both folders, with dates from EXIF, XMP and the blocks of early cameras', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(35);
    const sources = new Set(corpus.map((tags) => expectedDate(tags)?.source));
    for (const source of ['DateTimeOriginal', 'XMP', 'CIFF', 'PictureInfo', 'MakerNotes', 'ModifyDate'])
      expect(sources).toContain(source);
  });

  test.each(corpus.map((tags) => [tags.file, tags] as const))('%s', async (file, tags) => {
    const facts = await readExif(await readFile(path.join(REPO_ROOT, 'fixtures', file)));
    const date = expectedDate(tags);
    // exiftool's dates leave out the sub-seconds that we add from SubSecTimeOriginal.
    const takenAt = facts.takenAt?.replace(/\.\d+(?=([+-]\d\d:\d\d|Z)?$)/, '') ?? null;
    expect(takenAt, 'capture date').toBe(date?.takenAt ?? null);
    expect(facts.takenAtSource, 'where the date came from').toBe(date?.source ?? null);
    expect(facts.make, 'make').toBe(tags['IFD0:Make'] ?? tags['CIFF:Make'] ?? null);
    expect(facts.model, 'model').toBe(tags['IFD0:Model'] ?? tags['CIFF:Model'] ?? null);
    expect(facts.orientation, 'orientation').toBe(tags['IFD0:Orientation']);
    const latitude = tags['Composite:GPSLatitude'];
    if (typeof latitude !== 'number') expect(facts.gps).toBeNull();
    else {
      expect(facts.gps?.latitude).toBeCloseTo(latitude, 6);
      expect(facts.gps?.longitude).toBeCloseTo(tags['Composite:GPSLongitude'] as number, 6);
    }
  });
});
