import { execFileSync } from 'node:child_process';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import {
  fastPhotoKey,
  HEAD_BYTES,
  isPhotolalaError,
  PhotoCache,
  type RootSource,
  type SourceEntry,
} from '@photolala/core';
import {
  catalogFilter,
  Digester,
  detectImageKind,
  jpegHeaderLength,
  LOCAL_DIGEST_LIMITS,
  md5Hex,
  readExif,
  readWholeFile,
} from '@photolala/core/internals';
import sharp from 'sharp';
import { afterAll, describe, expect, test } from 'vitest';
import { FIXTURES, syntheticJpeg, tempDir } from '../support/fs.js';
import { hugePng, meanPixelDifference, rawWithPreview } from '../support/images.js';

const fixture = (name: string) => path.join(FIXTURES, name);

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function setup(files: Record<string, Buffer | string>) {
  const root = await tempDir('root');
  const cacheRoot = await tempDir('cache');
  cleanup.push(root, cacheRoot);
  for (const [name, data] of Object.entries(files)) await writeFile(path.join(root, name), data);
  const source = await createLocalSource({ root });
  const cache = new PhotoCache(cacheRoot);
  const digester = new Digester(cache, 'local', LOCAL_DIGEST_LIMITS);
  return { root, cacheRoot, source, cache, digester };
}

async function entryOf(source: RootSource, name: string): Promise<SourceEntry> {
  const entry = await source.stat!(name);
  if (!entry) throw new Error(`no ${name}`);
  return entry;
}

async function digestFile(source: RootSource, digester: Digester, name: string) {
  const entry = await entryOf(source, name);
  const head = await source.readHead(name, HEAD_BYTES);
  const image = await detectImageKind(head);
  if (!image) throw new Error(`${name} is not an image`);
  return digester.digest(source, entry, image, { head });
}

describe('identity and kind detection', () => {
  test('fast-photo-key is md5 of the first 4096 bytes and the size', async () => {
    const data = await readFile(fixture('DSCN0010.jpg'));
    expect(fastPhotoKey(data.subarray(0, 4096), data.length)).toBe(
      `${md5Hex(data.subarray(0, 4096))}:161713`,
    );
    const small = Buffer.from('tiny');
    expect(fastPhotoKey(small, 4)).toBe(`${md5Hex(small)}:4`);
  });

  test('kinds come from header bytes, not extensions', async () => {
    const jpeg = await readFile(fixture('Canon_40D.jpg'));
    const heic = await readFile(fixture('iphone_13_pro_max.HEIC'));
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const webp = await sharp(jpeg).webp().toBuffer();
    const gif = await sharp(jpeg).gif().toBuffer();
    const tiff = await sharp(jpeg).tiff().toBuffer();
    const avif = await sharp(jpeg).avif().toBuffer();
    const kinds = await Promise.all(
      [jpeg, heic, png, webp, gif, tiff, avif].map(
        async (b) => (await detectImageKind(b.subarray(0, 4096)))?.kind,
      ),
    );
    expect(kinds).toEqual(['jpeg', 'heic', 'png', 'webp', 'gif', 'tiff', 'avif']);
    expect(await detectImageKind(Buffer.from('this is a text file pretending to be a jpeg'))).toBeUndefined();
    expect(await detectImageKind(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('digest', () => {
  test('all eight EXIF orientations give the same upright thumbnail', async () => {
    const files: Record<string, Buffer> = {};
    for (let o = 1; o <= 8; o++) files[`landscape_${o}.jpg`] = await readFile(fixture(`landscape_${o}.jpg`));
    const { source, digester } = await setup(files);
    const thumbs: Buffer[] = [];
    for (let o = 1; o <= 8; o++) {
      const result = await digestFile(source, digester, `landscape_${o}.jpg`);
      expect(result.metadata.orientation).toBe(o);
      expect([result.metadata.width, result.metadata.height]).toEqual([600, 450]);
      expect(o >= 5 ? [450, 600] : [600, 450]).toEqual([
        result.metadata.storedWidth,
        result.metadata.storedHeight,
      ]);
      const thumb = await readFile(result.thumbnailPath);
      const info = await sharp(thumb).metadata();
      expect([info.format, info.width, info.height, info.orientation, info.exif]).toEqual([
        'jpeg',
        256,
        256,
        undefined,
        undefined,
      ]);
      thumbs.push(thumb);
    }
    for (let o = 2; o <= 8; o++)
      expect(await meanPixelDifference(thumbs[0]!, thumbs[o - 1]!)).toBeLessThan(8);
    // The comparison can fail: a mirrored thumbnail is far from the upright one.
    const mirrored = await sharp(thumbs[0]).flop().jpeg().toBuffer();
    expect(await meanPixelDifference(thumbs[0]!, mirrored)).toBeGreaterThan(15);
  });

  test('the iPhone HEIC gives an upright thumbnail, its EXIF date and its camera', async () => {
    const { source, digester } = await setup({
      'IMG_0001.HEIC': await readFile(fixture('iphone_13_pro_max.HEIC')),
    });
    const result = await digestFile(source, digester, 'IMG_0001.HEIC');
    const m = result.metadata;
    expect(m.kind).toBe('heic');
    expect(m.mime).toBe('image/heic');
    expect(m.extension).toBe('heic');
    expect(m.takenAt).toBe('2022-02-16T12:55:41.762+01:00');
    expect(m.takenAtSource).toBe('DateTimeOriginal');
    expect([m.make, m.model]).toEqual(['Apple', 'iPhone 13 Pro Max']);
    expect(m.lens).toContain('iPhone 13 Pro Max back triple camera');
    // Stored landscape, rotated 90 CW once: portrait.
    expect([m.storedWidth, m.storedHeight, m.orientation, m.width, m.height]).toEqual([
      4032, 3024, 6, 3024, 4032,
    ]);
    expect(result.photoMd5).toBe(md5Hex(await readFile(fixture('iphone_13_pro_max.HEIC'))));
    const thumb = await sharp(await readFile(result.thumbnailPath)).metadata();
    expect([thumb.width, thumb.height]).toEqual([256, 256]);
  });

  test('a camera RAW file is thumbnailed from its embedded preview, oriented by the RAW', async () => {
    const preview = await readFile(fixture('landscape_1.jpg'));
    const { source, digester } = await setup({
      'IMG_1.CR2': rawWithPreview(preview, 6),
      'upright.jpg': preview,
    });
    const raw = await digestFile(source, digester, 'IMG_1.CR2');
    expect([raw.metadata.kind, raw.metadata.mime]).toEqual(['cr2', 'image/x-canon-cr2']);
    expect([raw.metadata.orientation, raw.metadata.width, raw.metadata.height]).toEqual([6, 450, 600]);
    const upright = await digestFile(source, digester, 'upright.jpg');
    const rotated = await sharp(await readFile(upright.thumbnailPath))
      .rotate(90)
      .jpeg()
      .toBuffer();
    expect(await meanPixelDifference(await readFile(raw.thumbnailPath), rotated)).toBeLessThan(8);
  });

  test('GPS values match exiftool to 6 decimals', async () => {
    const { source, digester } = await setup({
      'a.jpg': await readFile(fixture('DSCN0010.jpg')),
      'b.jpg': await readFile(fixture('DSCN0012.jpg')),
    });
    const reference = JSON.parse(
      execFileSync(
        'exiftool',
        ['-n', '-json', '-GPSLatitude', '-GPSLongitude', fixture('DSCN0010.jpg'), fixture('DSCN0012.jpg')],
        {
          encoding: 'utf8',
        },
      ),
    ) as { GPSLatitude: number; GPSLongitude: number }[];
    for (const [i, name] of ['a.jpg', 'b.jpg'].entries()) {
      const { metadata } = await digestFile(source, digester, name);
      expect(metadata.gps).not.toBeNull();
      expect(metadata.gps!.latitude.toFixed(6)).toBe(reference[i]!.GPSLatitude.toFixed(6));
      expect(metadata.gps!.longitude.toFixed(6)).toBe(reference[i]!.GPSLongitude.toFixed(6));
    }
    const { metadata } = await digestFile(source, digester, 'a.jpg');
    expect(metadata).toMatchObject({
      takenAt: '2008-10-22T16:28:39',
      make: 'NIKON',
      model: 'COOLPIX P6000',
      iso: 64,
      fNumber: 5.9,
      focalLength: 24,
      width: 640,
      height: 480,
    });
  });

  test('dates fall back from EXIF to the embedded XMP, and never to the file mtime', async () => {
    const { source, digester } = await setup({
      'xmp-only.jpg': await readFile(fixture('no_exif.jpg')),
      'bare.jpg': await syntheticJpeg(1),
    });
    // This file has no EXIF DateTimeOriginal or CreateDate; exiftool -time:all shows XMP-xmp Create
    // Date 2013:09:23 10:09:46+02:00, and IFD0 Modify Date 2014:09:22 10:56:35 (the later edit).
    const fromXmp = (await digestFile(source, digester, 'xmp-only.jpg')).metadata;
    expect([fromXmp.takenAt, fromXmp.takenAtSource]).toEqual(['2013-09-23T10:09:46+02:00', 'XMP']);
    expect([fromXmp.width, fromXmp.height]).toEqual([322, 466]);
    const bare = (await digestFile(source, digester, 'bare.jpg')).metadata;
    expect([bare.takenAt, bare.takenAtSource, bare.gps, bare.make]).toEqual([null, null, null, 'Photolala']);
  });

  test('EXIF is found after large segments and fill bytes; malformed segments fall back to the whole file', async () => {
    const original = await readFile(fixture('DSCN0010.jpg'));
    const headerEnd = jpegHeaderLength(original)!;
    // The header ends exactly at the start-of-scan marker, well before the end of the file.
    expect([original[headerEnd], original[headerEnd + 1]]).toEqual([0xff, 0xda]);
    expect(headerEnd).toBeLessThan(original.length / 2);
    // Two full-size APP2 segments (as a large ICC profile is split) and fill bytes before the EXIF.
    const app2 = Buffer.alloc(2 + 65535, 0x41);
    app2.writeUInt16BE(0xffe2, 0);
    app2.writeUInt16BE(65535, 2);
    const padded = Buffer.concat([
      original.subarray(0, 2),
      app2,
      app2,
      Buffer.from([0xff, 0xff]),
      original.subarray(2),
    ]);
    expect(jpegHeaderLength(padded)).toBe(headerEnd + 2 * app2.length + 2);
    // A segment length that runs past the data: not a header that can be trusted.
    const broken = Buffer.from(original);
    broken.writeUInt16BE(0xfff0, 4);
    expect(jpegHeaderLength(broken)).toBeUndefined();
    expect(jpegHeaderLength(Buffer.from('not a jpeg'))).toBeUndefined();

    const expected = await readExif(original);
    expect(expected).toMatchObject({ takenAt: '2008-10-22T16:28:39', make: 'NIKON', model: 'COOLPIX P6000' });
    expect(await readExif(padded)).toEqual(expected);
  });

  test('a file that grew or shrank since it was listed is refused, naming the change', async () => {
    const { source } = await setup({ 'a.jpg': await readFile(fixture('DSCN0010.jpg')) });
    const entry = await entryOf(source, 'a.jpg');
    await expect(
      readWholeFile(source, { ...entry, size: entry.size - 10 }, LOCAL_DIGEST_LIMITS),
    ).rejects.toThrow('file grew while it was read');
    await expect(
      readWholeFile(source, { ...entry, size: entry.size + 10 }, LOCAL_DIGEST_LIMITS),
    ).rejects.toThrow(`file shrank while it was read (${entry.size} of ${entry.size + 10} bytes)`);
    const whole = await readWholeFile(source, entry, LOCAL_DIGEST_LIMITS);
    expect(whole.md5).toBe(md5Hex(await readFile(fixture('DSCN0010.jpg'))));
  });

  test('fake-extension and truncated files are rejected with reasons', async () => {
    const full = await readFile(fixture('DSCN0010.jpg'));
    const { source, digester } = await setup({
      'fake.jpg': 'hello, I am text',
      'truncated.jpg': full.subarray(0, Math.floor(full.length * 0.6)),
      'zero.jpg': Buffer.alloc(0),
    });
    expect(await detectImageKind(await source.readHead('fake.jpg', HEAD_BYTES))).toBeUndefined();
    expect(await detectImageKind(await source.readHead('zero.jpg', HEAD_BYTES))).toBeUndefined();
    const error = await digestFile(source, digester, 'truncated.jpg').catch((e: unknown) => e);
    expect(isPhotolalaError(error, 'CORRUPT')).toBe(true);
    expect((error as Error).message).toMatch(/premature end|truncated|corrupt/i);
    // Its header was read, its pixels not: one decode's failure, for the file named.
    expect(error).toMatchObject({ path: 'truncated.jpg' });
    expect((error as Error).message).toMatch(/^\[photolala\] \[thumbnail\] cannot decode image: [^\n]+$/);
  });

  test('a 20000x20000 image is refused without exhausting memory', async () => {
    const { source, digester } = await setup({ 'huge.png': hugePng(20000, 20000) });
    const before = process.memoryUsage().rss;
    const error = await digestFile(source, digester, 'huge.png').catch((e: unknown) => e);
    expect(isPhotolalaError(error, 'UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toContain('20000x20000');
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
  });
});

describe('sharded cache', () => {
  test('layout, atomic writes, and one render per photo across roots and copies', async () => {
    const photo = await readFile(fixture('Canon_40D.jpg'));
    const a = await setup({ 'one.jpg': photo, 'copy.jpg': photo });
    const md5 = md5Hex(photo);
    const [first, second] = await Promise.all([
      digestFile(a.source, a.digester, 'one.jpg'),
      digestFile(a.source, a.digester, 'copy.jpg'),
    ]);
    expect([first.rendered, second.rendered].sort()).toEqual([false, true]);
    expect(first.thumbnailPath).toBe(
      path.join(a.cacheRoot, 'local', 'thumbnails', md5.slice(0, 2), `${md5}.jpg`),
    );
    expect(first.metadataPath).toBe(
      path.join(a.cacheRoot, 'local', 'metadata', md5.slice(0, 2), `${md5}.json`),
    );
    // Another root sharing the cache does not render again.
    const otherRoot = await tempDir('root2');
    cleanup.push(otherRoot);
    await copyFile(fixture('Canon_40D.jpg'), path.join(otherRoot, 'elsewhere.jpg'));
    const other = await createLocalSource({ root: otherRoot });
    const again = await digestFile(
      other,
      new Digester(a.cache, 'local', LOCAL_DIGEST_LIMITS),
      'elsewhere.jpg',
    );
    expect(again.rendered).toBe(false);
    expect(again.metadata).toEqual(first.metadata);
    // No temp files are left in the shard folders.
    expect(await readdir(path.dirname(first.thumbnailPath))).toEqual([`${md5}.jpg`]);
    expect(await readdir(path.dirname(first.metadataPath))).toEqual([`${md5}.json`]);
    expect(() => a.cache.pathsFor('local', '../../etc/passwd')).toThrow(/invalid cache key/);
  });

  test('the catalog filter skips hidden and system files of a real folder', async () => {
    const { source } = await setup({ 'a.jpg': 'x', '.DS_Store': 'x', 'Thumbs.db': 'x' });
    const names: string[] = [];
    for await (const e of source.enumerate({ filter: catalogFilter })) names.push(e.path);
    expect(names).toEqual(['a.jpg']);
    expect(FIXTURES.endsWith(`fixtures${path.sep}real${path.sep}`)).toBe(true);
  });
});
