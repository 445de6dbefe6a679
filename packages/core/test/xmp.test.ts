import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { readExif } from '../src/digest/metadata.js';
import { readXmp, xmpDate } from '../src/digest/xmp.js';

const PACKET = (description: string, body = '') => `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" ${description}>${body}
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

const LIGHTROOM = PACKET(
  'xmp:Rating="4" xmp:Label="Red" photoshop:DateCreated="2019-07-14T18:30:05+02:00" exif:GPSLatitude="48,51.5N" exif:GPSLongitude="2,21.1W"',
  `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Bastille Day</rdf:li></rdf:Alt></dc:title>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Fireworks</rdf:li></rdf:Alt></dc:description>
<dc:subject><rdf:Bag><rdf:li>paris</rdf:li><rdf:li>fireworks</rdf:li></rdf:Bag></dc:subject>`,
);

/** `jpeg` with an XMP APP1 segment (as Lightroom and phones write it) right after its start. */
function withXmp(jpeg: Buffer, packet: string): Buffer {
  const payload = Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), Buffer.from(packet)]);
  const length = payload.length + 2;
  return Buffer.concat([
    jpeg.subarray(0, 2),
    Buffer.from([0xff, 0xe1, length >> 8, length & 0xff]),
    payload,
    jpeg.subarray(2),
  ]);
}

const plainJpeg = () =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: '#777' } })
    .jpeg()
    .toBuffer();

describe('embedded XMP', () => {
  test('a photo whose date is only in XMP gets it, with rating, label, title, description, keywords and GPS', async () => {
    const facts = await readExif(withXmp(await plainJpeg(), LIGHTROOM));
    expect(facts).toMatchObject({
      takenAt: '2019-07-14T18:30:05+02:00',
      takenAtSource: 'XMP',
      xmp: {
        rating: 4,
        label: 'Red',
        title: 'Bastille Day',
        description: 'Fireworks',
        keywords: ['paris', 'fireworks'],
      },
    });
    expect(facts.gps?.latitude).toBeCloseTo(48.858333, 5);
    expect(facts.gps?.longitude).toBeCloseTo(-2.351667, 5);
  });

  test("EXIF's DateTimeOriginal wins over XMP's date, as in exiftool; XMP still adds the rating and what EXIF lacks", async () => {
    const canon = await readFile(new URL('../../../fixtures/real/Canon_40D.jpg', import.meta.url));
    const plain = await readExif(canon);
    const facts = await readExif(withXmp(canon, LIGHTROOM));
    expect(plain.takenAtSource).toBe('DateTimeOriginal');
    expect(facts.takenAt).toBe(plain.takenAt);
    expect(facts.takenAtSource).toBe('DateTimeOriginal');
    // The Canon has no GPS in EXIF, so the XMP location fills in.
    expect(plain.gps).toBeNull();
    expect(facts.gps?.latitude).toBeCloseTo(48.858333, 5);
    expect(facts.xmp.rating).toBe(4);
  });

  test('exif:DateTimeOriginal in XMP comes before photoshop:DateCreated; a rejected photo is -1', async () => {
    const packet = PACKET(
      'exif:DateTimeOriginal="2020-02-29T23:59:58.5Z" photoshop:DateCreated="2019-01-01" xmp:Rating="-1"',
    );
    const facts = await readXmp(withXmp(await plainJpeg(), packet));
    expect(facts).toMatchObject({ takenAt: '2020-02-29T23:59:58.500+00:00', rating: -1, keywords: [] });
  });

  test('no packet, or a broken one, adds nothing and never throws', async () => {
    const jpeg = await plainJpeg();
    expect(await readXmp(jpeg)).toBeUndefined();
    const broken = withXmp(jpeg, '<x:xmpmeta><rdf:RDF><rdf:Description xmp:Rating="9" dc:title="');
    const facts = await readExif(broken);
    expect(facts).toMatchObject({ takenAt: null, takenAtSource: null, gps: null, xmp: {} });
  });

  test('XMP dates of any precision, and malformed ones refused', () => {
    expect(xmpDate('2019')).toBe('2019-01-01T00:00:00');
    expect(xmpDate('2019-07')).toBe('2019-07-01T00:00:00');
    expect(xmpDate('2019-07-14T18:30')).toBe('2019-07-14T18:30:00');
    expect(xmpDate('2019-07-14T18:30:05.123456-05:00')).toBe('2019-07-14T18:30:05.123-05:00');
    for (const bad of ['', '2019-13-01', '2019-07-14T25:00', '0000-01-01', '14/07/2019', 'yesterday', 42])
      expect(xmpDate(bad), String(bad)).toBeNull();
  });
});
