import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  canonicalRootUri,
  IMAGE_KINDS,
  isMd5,
  isPhotolalaError,
  metadataDocumentSchema,
  parseRootUri,
  redactRootUri,
} from '@photolala/core';
import {
  detectImageKind,
  detectJpeg,
  jpegHeaderLength,
  parsePointer,
  readExif,
  readXmp,
} from '@photolala/core/internals';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/fs.js';

/**
 * Property tests over the parsers that read untrusted bytes and text. Bounded (a fixed number of runs,
 * each with a time limit, so a hang fails instead of stalling CI) and deterministic (a fixed seed:
 * a failure names its counterexample, which is then kept below as a regular case).
 */
const RUNS = { seed: 20, numRuns: 300, timeout: 5000 } as const;

/** Byte strings that start like the formats the sniffers and parsers know, then go wrong. */
const MAGIC = [
  [0xff, 0xd8, 0xff, 0xe1],
  [0x49, 0x49, 0x2a, 0x00],
  [0x4d, 0x4d, 0x00, 0x2a],
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63],
  [0x52, 0x49, 0x46, 0x46, 0x00, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50],
  [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
];
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }),
  fc
    .tuple(fc.constantFrom(...MAGIC), fc.uint8Array({ maxLength: 2048 }))
    .map(([magic, rest]) => Uint8Array.from([...magic, ...rest])),
);
/** A JPEG start, an EXIF segment of arbitrary length and content, then anything. */
const jpegWithExif = fc
  .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 1024 }), fc.boolean())
  .map(([length, body, intel]) =>
    Uint8Array.from([
      0xff,
      0xd8,
      0xff,
      0xe1,
      length >> 8,
      length & 0xff,
      ...Buffer.from('Exif\0\0'),
      ...(intel ? [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0] : [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]),
      ...body,
    ]),
  );

/** Throws unless `error` is the project's coded error. */
function expectCoded(error: unknown): void {
  if (!isPhotolalaError(error)) throw new Error(`not a coded error: ${String(error)}`, { cause: error });
}

describe('header sniffing', () => {
  test('any bytes give an image kind or nothing, and never throw', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (head) => {
        const detected = await detectImageKind(head);
        if (detected) expect(IMAGE_KINDS).toContain(detected.kind);
        const jpeg = detectJpeg(head);
        if (jpeg) expect(detected).toEqual(jpeg);
      }),
      RUNS,
    );
  });
});

describe('metadata parsing', () => {
  test('any bytes give EXIF facts (or none), and never throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(bytes, jpegWithExif), async (data) => {
        const facts = await readExif(data);
        expect(facts).toHaveProperty('takenAt');
        if (facts.orientation !== undefined) expect(facts.orientation).toBeGreaterThanOrEqual(1);
        const header = jpegHeaderLength(data);
        if (header !== undefined) expect(header).toBeLessThanOrEqual(data.length);
      }),
      RUNS,
    );
  });

  test('the date blocks of early cameras, truncated or with bytes changed, give a well-formed date or none', async () => {
    const photos = await Promise.all(
      ['canon-ciff.jpg', 'olympus-picture-info.jpg', 'Reconyx_HC500_Hyperfire.jpg'].map((name) =>
        readFile(path.join(REPO_ROOT, 'fixtures/exif-samples', name)),
      ),
    );
    const damaged = fc
      .tuple(
        fc.constantFrom(...photos),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(),
      )
      .map(([photo, changes, cut]) => {
        // The blocks lie in the first kilobytes: damage and cut there.
        const copy = Uint8Array.from(photo.subarray(0, 2048 + (cut % 4096)));
        for (const [at, value] of changes) copy[at % copy.length] = value;
        return copy;
      });
    await fc.assert(
      fc.asyncProperty(damaged, async (data) => {
        const facts = await readExif(data);
        if (facts.takenAt !== null) expect(facts.takenAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
      }),
      RUNS,
    );
  });

  test('any XMP packet gives XMP facts (or none) within their bounds, and never throws', async () => {
    const xmpText = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc
        .tuple(
          fc.constantFrom('xmp:Rating', 'photoshop:DateCreated', 'exif:GPSLatitude', 'exif:DateTimeOriginal'),
          fc.string({ maxLength: 40 }),
        )
        .map(
          ([name, value]) =>
            `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description ${name}="${value}"/></rdf:RDF></x:xmpmeta>`,
        ),
    );
    await fc.assert(
      fc.asyncProperty(xmpText, async (packet) => {
        const payload = Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), Buffer.from(packet)]);
        const length = Math.min(payload.length + 2, 0xffff);
        const data = Buffer.concat([
          Buffer.from([0xff, 0xd8, 0xff, 0xe1, length >> 8, length & 0xff]),
          payload,
        ]);
        const facts = await readXmp(data);
        if (!facts) return;
        if (facts.rating !== null) expect(facts.rating).toBeGreaterThanOrEqual(-1);
        if (facts.takenAt !== null) expect(facts.takenAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
        if (facts.gps) expect(Math.abs(facts.gps.latitude)).toBeLessThanOrEqual(90);
      }),
      RUNS,
    );
  });

  test('any JSON is a valid metadata document or refused, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = metadataDocumentSchema.safeParse(value);
        expect(typeof parsed.success).toBe('boolean');
      }),
      RUNS,
    );
  });
});

describe('pointer parsing', () => {
  test('any text gives only catalog-md5s, each once', () => {
    const line = fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{32}$/), fc.constant('../../etc/passwd'));
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.array(line).map((lines) => lines.join('\n')),
      fc.array(line).map((lines) => lines.join('\r\n')),
    );
    fc.assert(
      fc.property(text, (pointer) => {
        const md5s = parsePointer(pointer);
        expect(md5s.every(isMd5)).toBe(true);
        expect(new Set(md5s).size).toBe(md5s.length);
      }),
      RUNS,
    );
  });
});

describe('root-URI parsing', () => {
  const uri = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.webUrl().map((url) => url.replace(/^https?/, 'webdav')),
    fc
      .tuple(
        fc.constantFrom('s3://', 'smb://', 'webdav://', 'webdavs://', 'file://', 'myproto://', 'S3://'),
        fc.string({ unit: 'binary' }),
      )
      .map(([scheme, rest]) => scheme + rest),
    fc
      .tuple(fc.constantFrom('smb://', 'webdavs://'), fc.string(), fc.string(), fc.string(), fc.nat())
      .map(([scheme, user, password, host, port]) => `${scheme}${user}:${password}@${host}:${port}/share`),
  );

  test('any text gives a root or a coded error, and never shows a password', () => {
    fc.assert(
      fc.property(uri, (root) => {
        let canonical: string | undefined;
        try {
          parseRootUri(root, '/photos');
          canonical = canonicalRootUri(root, '/photos');
        } catch (error) {
          expectCoded(error);
          expect(String((error as Error).message)).not.toContain(':secret-pw@');
        }
        if (canonical !== undefined) expect(canonical).not.toContain('secret-pw');
        expect(typeof redactRootUri(root)).toBe('string');
      }),
      RUNS,
    );
  });

  test('counterexamples found before: bad percent-encoding in the user name or password is a coded error', () => {
    for (const root of [
      'smb://%:@$:0/share',
      'webdav://alice:%E0%A4%A@host/photos',
      'smb://%ZZ@host/share',
    ]) {
      let thrown: unknown;
      try {
        parseRootUri(root);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((thrown as Error).message).toContain('bad percent-encoding in the user name or password');
      expect((thrown as Error).message).not.toContain('%E0%A4%A');
    }
  });

  test('a password in any root is never in its error or canonical form', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('smb://', 'webdav://', 'webdavs://', 's3://'),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        (scheme, host, path) => {
          const root = `${scheme}alice:secret-pw@${host}/${path}`;
          try {
            expect(canonicalRootUri(root)).not.toContain('secret-pw');
          } catch (error) {
            expectCoded(error);
            expect((error as Error).message).not.toContain('secret-pw');
          }
        },
      ),
      RUNS,
    );
  });
});
