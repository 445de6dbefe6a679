import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EnumerateIssue, openCatalog, type SourceEntry } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { afterAll, describe, expect, test } from 'vitest';
import { createApplePhotosSource, libraryTakenAt } from '../src/index.js';
import { buildLibrary, type FixtureAsset } from './library-builder.js';

const FIXTURES = new URL('../../../fixtures/real/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const temp = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'photolala-apple-'));
  dirs.push(dir);
  return dir;
};

/** A real 1 s QuickTime movie, made with ffmpeg, as Photos stores a video's original. */
function makeMovie(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'photolala-apple-mov-'));
  try {
    const out = path.join(dir, 'clip.mov');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=320x240:d=1:r=10'],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', out],
    ]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const movie = makeMovie();

const U = {
  plain: '11111111-1111-4111-8111-111111111111',
  favorite: '22222222-2222-4222-8222-222222222222',
  hidden: '33333333-3333-4333-8333-333333333333',
  trashed: '44444444-4444-4444-8444-444444444444',
  video: '55555555-5555-4555-8555-555555555555',
  icloud: '66666666-6666-4666-8666-666666666666',
  referenced: '77777777-7777-4777-8777-777777777777',
  missing: '88888888-8888-4888-8888-888888888888',
  heic: '99999999-9999-4999-8999-999999999999',
  late: 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA',
};

// 2022-02-16 11:55:41 UTC as Core Data seconds; the library says the photo was taken at UTC+01:00.
const TAKEN = Date.UTC(2022, 1, 16, 11, 55, 41) / 1000 - 978307200;

function assets(): FixtureAsset[] {
  return [
    { uuid: U.plain, directory: '1', ext: 'jpeg', file: fixture('Canon_40D.jpg') },
    {
      uuid: U.favorite,
      directory: '2',
      ext: 'jpeg',
      file: fixture('DSCN0010.jpg'),
      favorite: true,
      dateCreated: TAKEN,
      timezoneOffset: 3600,
      timezoneName: 'Europe/Rome',
      latitude: 48.8566,
      longitude: 2.3522,
      originalFilename: 'Tuscany.JPG',
    },
    { uuid: U.hidden, directory: '3', ext: 'jpeg', file: fixture('Nikon_D70.jpg'), hidden: true },
    { uuid: U.trashed, directory: '4', ext: 'jpeg', file: fixture('DSCN0012.jpg'), trashed: true },
    {
      uuid: U.video,
      directory: '5',
      ext: 'mov',
      file: movie,
      kind: 1,
      uti: 'com.apple.quicktime-movie',
    },
    { uuid: U.icloud, directory: '6', ext: 'jpeg', file: null, local: -32768 },
    {
      uuid: U.referenced,
      directory: '7',
      ext: 'jpeg',
      file: null,
      savedAssetType: 10,
      originalFilename: '/Volumes/Card/DCIM/IMG_1.JPG',
    },
    { uuid: U.missing, directory: '8', ext: 'jpeg', file: null },
    {
      uuid: U.heic,
      directory: '9',
      ext: 'heic',
      file: fixture('iphone_13_pro_max.HEIC'),
      uti: 'public.heic',
    },
  ];
}

async function enumerateAll(library: string) {
  const source = await createApplePhotosSource({ library });
  const entries: SourceEntry[] = [];
  const issues: EnumerateIssue[] = [];
  for await (const e of source.enumerate({ onIssue: (i) => issues.push(i) })) entries.push(e);
  return { source, entries, issues };
}

describe.each([5, 8] as const)('backend-apple-photos, Photos %i database shape', (generation) => {
  test('enumerates photos and videos on disk with their apple-photo-id, and reports the others with reasons', async () => {
    const { bundle } = buildLibrary(await temp(), generation, assets());
    const { source, entries, issues } = await enumerateAll(bundle);
    expect(source.library().assetTable).toBe(generation === 5 ? 'ZGENERICASSET' : 'ZASSET');
    expect(source.capabilities.writable).toBe(false);
    expect(source.writeAtomic).toBeUndefined();
    expect(entries.map((e) => [e.path, e.externalId])).toEqual([
      [`originals/1/${U.plain}.jpeg`, U.plain],
      [`originals/2/${U.favorite}.jpeg`, U.favorite],
      [`originals/3/${U.hidden}.jpeg`, U.hidden],
      [`originals/5/${U.video}.mov`, U.video],
      [`originals/9/${U.heic}.heic`, U.heic],
    ]);
    expect(entries[1]!.attributes).toEqual({
      takenAt: '2022-02-16T12:55:41+01:00',
      favorite: true,
      hidden: false,
      originalFilename: 'Tuscany.JPG',
      latitude: 48.8566,
      longitude: 2.3522,
    });
    expect(entries[2]!.attributes?.hidden).toBe(true);
    const reasons = Object.fromEntries(
      issues.map((i) => [i.path.split('/').pop()!.split('.')[0], [i.skipped, i.error.message]]),
    );
    expect(reasons[U.trashed]).toEqual([true, expect.stringContaining('trash')]);
    expect(reasons[U.icloud]).toEqual([true, expect.stringContaining('iCloud')]);
    expect(reasons[U.referenced]).toEqual([true, expect.stringContaining('referenced')]);
    expect(reasons[U.missing]).toEqual([true, expect.stringContaining('missing')]);
    expect(issues).toHaveLength(4);
    const head = await source.readHead(`originals/1/${U.plain}.jpeg`, 4096);
    expect(md5Hex(head)).toBe(md5Hex(fixture('Canon_40D.jpg').subarray(0, 4096)));
  });

  test('a catalog of the library: apple shard by id, library facts win, favorites starred, mirror only', async () => {
    const { bundle } = buildLibrary(await temp(), generation, assets());
    const cacheDir = await temp();
    const catalog = await openCatalog(await createApplePhotosSource({ library: bundle }), {
      cacheDir,
      shard: 'apple',
    });
    const result = await catalog.scan();
    expect(result.entries).toBe(5);
    expect(result.failed).toEqual([]);
    expect(result.skipped).toHaveLength(4);
    // The video is cataloged as one: its kind from its bytes, its full MD5, and a poster by ffmpeg.
    expect(catalog.get(U.video)).toMatchObject({
      kind: 'video',
      status: 'ok',
      reason: null,
      photoMd5: md5Hex(movie),
      externalId: U.video,
    });
    const poster = await catalog.thumbnail(U.video);
    expect(poster).toBe(path.join(cacheDir, 'apple', 'thumbnails', `${U.video}.jpg`));
    expect(readFileSync(poster).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(JSON.parse(await readFile(await catalog.metadata(U.video), 'utf8'))).toMatchObject({
      kind: 'video',
      mime: 'video/quicktime',
      width: 320,
      height: 240,
    });
    expect(catalog.get(U.favorite)?.starred).toBe(true);
    expect(catalog.get(U.plain)?.starred).toBe(false);
    expect(catalog.get(U.favorite)?.takenAt).toBe('2022-02-16T12:55:41+01:00');
    const thumb = await catalog.thumbnail(U.heic);
    expect(thumb).toBe(path.join(cacheDir, 'apple', 'thumbnails', `${U.heic}.jpg`));
    expect(statSync(thumb).size).toBeGreaterThan(1000);
    const doc = JSON.parse(await readFile(await catalog.metadata(U.favorite), 'utf8'));
    // EXIF says 2008-10-22 in Tuscany; the library's edits win.
    expect(doc).toMatchObject({
      takenAt: '2022-02-16T12:55:41+01:00',
      takenAtSource: 'Library',
      gps: { latitude: 48.8566, longitude: 2.3522 },
      originalFilename: 'Tuscany.JPG',
      favorite: true,
      make: 'NIKON',
    });
    // Nothing was written inside the library; the snapshot lives in the mirror only.
    expect(readdirSync(bundle).sort()).toEqual(['database', 'originals']);
    expect(result.snapshots).toHaveLength(1);
    expect(result.snapshots[0]!.startsWith(cacheDir)).toBe(true);
    await catalog.close();
  });
});

test('a library held open by Photos with a WAL is read without touching it, including WAL-only rows', async () => {
  const library = buildLibrary(await temp(), 8, assets().slice(0, 3), { holdOpen: true });
  const dbDir = path.join(library.bundle, 'database');
  const before = Object.fromEntries(
    readdirSync(dbDir).map((n) => [n, md5Hex(readFileSync(path.join(dbDir, n)))]),
  );
  expect(Object.keys(before).sort()).toEqual(['Photos.sqlite', 'Photos.sqlite-shm', 'Photos.sqlite-wal']);
  const cacheDir = await temp();
  const catalog = await openCatalog(await createApplePhotosSource({ library: library.bundle }), {
    cacheDir,
    shard: 'apple',
  });
  const first = await catalog.scan();
  expect(first.entries).toBe(3);

  // Photos adds one asset and trashes another while it keeps the database open.
  library.addAsset({ uuid: U.late, directory: 'A', ext: 'jpeg', file: fixture('landscape_1.jpg') });
  library.trash(U.plain);
  const second = await catalog.scan();
  expect(second.added).toEqual([`originals/A/${U.late}.jpeg`]);
  expect(second.removed).toEqual([`originals/1/${U.plain}.jpeg`]);
  expect(second.skipped.map((s) => s.reason)).toEqual([expect.stringContaining('trash')]);
  // Every row so far lives only in the WAL (checkpoints are off), and the main file is untouched:
  // we copied, never opened, the library's database.
  expect(md5Hex(readFileSync(path.join(dbDir, 'Photos.sqlite')))).toBe(before['Photos.sqlite']);
  expect(readdirSync(library.bundle).sort()).toEqual(['database', 'originals']);
  library.db!.close();
  await catalog.close();
});

test('library times convert from Core Data seconds with the asset time zone', () => {
  expect(libraryTakenAt(0, 0)).toBe('2001-01-01T00:00:00+00:00');
  expect(libraryTakenAt(0, -5 * 3600)).toBe('2000-12-31T19:00:00-05:00');
  // Without a zone: UTC, in the one form (no `.000`, no `Z`), milliseconds kept when not zero.
  expect(libraryTakenAt(0, null)).toBe('2001-01-01T00:00:00+00:00');
  expect(libraryTakenAt(0.25, null)).toBe('2001-01-01T00:00:00.250+00:00');
  expect(libraryTakenAt(0, 99 * 3600)).toBe('2001-01-01T00:00:00+00:00');
  expect(libraryTakenAt(null, 0)).toBeUndefined();
});
