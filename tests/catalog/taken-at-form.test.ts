import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import {
  type Catalog,
  type MetadataDocument,
  openCatalog,
  PhotoCache,
  type RootSource,
  SCHEMA_VERSION,
  takenAtForm,
} from '@photolala/core';
import { describe, expect, test, vi } from 'vitest';
import { applyLibraryAttributes } from '../../packages/core/src/digest/metadata.js';
import { xmpDate } from '../../packages/core/src/digest/xmp.js';
import { documentWithoutExif } from '../../packages/core/test/documents.js';
import { cleanupAfterEach, scannedPhotos } from '../support/catalog.js';
import { readNewestSnapshot, replaceSnapshot } from '../support/craft-snapshot.js';
import { FIXTURES, tempDir, writeTree } from '../support/fs.js';

// Capture dates are stored in one form (core's taken-at.ts), made where metadata is read: every
// output prints them as stored. Catalogs and cache documents of older releases held `.000` (an EXIF
// `SubSecTimeOriginal` of 00) and `.000Z` (Apple Photos without a zone); they reach the form
// without a photo being read again.

const { cleanup, opened } = cleanupAfterEach();

/**
 * Canon_40D.jpg: `SubSecTimeOriginal` 00, no offset. DSCN0010.jpg: no sub-seconds, no offset. The
 * iPhone HEIC: sub-seconds 762 and an offset of +01:00.
 */
const DATES: Record<string, string> = {
  'photos/Canon_40D.jpg': '2008-05-30T15:56:01',
  'photos/DSCN0010.jpg': '2008-10-22T16:28:39',
  'photos/iphone_13_pro_max.HEIC': '2022-02-16T12:55:41.762+01:00',
};
/** What releases before schema 8 stored for the same photos (the `Z` one as Apple Photos wrote it). */
const OLD_DATES: Record<string, string> = {
  'photos/Canon_40D.jpg': '2008-05-30T15:56:01.000',
  'photos/DSCN0010.jpg': '2008-10-22T16:28:39.000Z',
};
const OLD_IN_FORM: Record<string, string> = {
  'photos/Canon_40D.jpg': '2008-05-30T15:56:01',
  'photos/DSCN0010.jpg': '2008-10-22T16:28:39+00:00',
};

/** The three photos, scanned. */
const scannedRoot = () =>
  scannedPhotos(
    Object.keys(DATES).map((file) => path.basename(file)),
    { cleanup, opened },
  );

/** Each output's date of every photo: list, list --json's lines, the document, the cache file. */
async function printedDates(catalog: Catalog) {
  const listed = Object.fromEntries(catalog.list().map((e) => [e.path, e.takenAt]));
  const lines: Record<string, unknown> = {};
  for (const chunk of catalog.listJsonChunks())
    if ('lines' in chunk)
      for (const line of chunk.lines.trim().split('\n')) {
        const json = JSON.parse(line) as { path: string; takenAt: unknown };
        lines[json.path] = json.takenAt;
      }
    else for (const entry of chunk) lines[entry.path] = entry.takenAt;
  const documents: Record<string, unknown> = {};
  const files: Record<string, unknown> = {};
  for (const file of Object.keys(DATES)) {
    documents[file] = (await catalog.metadataDocument(file)).takenAt;
    files[file] = (
      JSON.parse(await readFile(await catalog.metadata(file), 'utf8')) as MetadataDocument
    ).takenAt;
  }
  return { listed, lines, documents, files };
}

const newestSnapshot = (root: string) =>
  readNewestSnapshot(root, (db) => ({
    dates: db.prepare('SELECT path, taken_at FROM entries ORDER BY path').raw().all(),
    documents: db.prepare('SELECT photo_md5, document FROM metadata ORDER BY photo_md5').raw().all(),
  }));

/** Rewrites a cache document's takenAt as an older release wrote it. */
async function ageCacheFile(catalog: Catalog, file: string, takenAt: string) {
  const cacheFile = await catalog.metadata(file);
  const document = JSON.parse(await readFile(cacheFile, 'utf8')) as MetadataDocument;
  await writeFile(cacheFile, `${JSON.stringify({ ...document, takenAt }, null, 2)}\n`);
}

/**
 * Closes the scanned catalog and makes its snapshot one of schema 7 with dates of the older forms
 * (OLD_DATES), in its entries, its metadata documents, its listing and its cache files; gives the
 * cache files.
 */
async function agedToSchema7(catalog: Catalog, source: RootSource, cacheDir: string) {
  const cacheFiles: Record<string, string> = {};
  for (const file of Object.keys(OLD_DATES)) cacheFiles[file] = await catalog.metadata(file);
  for (const [file, takenAt] of Object.entries(OLD_DATES)) await ageCacheFile(catalog, file, takenAt);
  await catalog.close();
  await replaceSnapshot(source, cacheDir, (db) => {
    for (const [file, takenAt] of Object.entries(OLD_DATES)) {
      db.prepare('UPDATE entries SET taken_at = ? WHERE path = ?').run(takenAt, file);
      const md5 = db.prepare('SELECT photo_md5 FROM entries WHERE path = ?').pluck().get(file) as string;
      const text = db.prepare('SELECT document FROM metadata WHERE photo_md5 = ?').pluck().get(md5) as string;
      const document = JSON.parse(text) as Record<string, unknown>;
      db.prepare('UPDATE metadata SET document = ? WHERE photo_md5 = ?').run(
        JSON.stringify({ ...document, takenAt }),
        md5,
      );
    }
    // Its listing was written from those rows.
    db.exec(`UPDATE listing SET json = replace(replace(json, '2008-05-30T15:56:01"', '2008-05-30T15:56:01.000"'),
      '2008-10-22T16:28:39"', '2008-10-22T16:28:39.000Z"')`);
    db.exec(`UPDATE version SET value = '7' WHERE key = 'schema_version'`);
  });
  return cacheFiles;
}

describe('capture dates in one form', () => {
  test('the form itself, from every source form', () => {
    expect(takenAtForm('2008-05-30T15:56:01.000')).toBe('2008-05-30T15:56:01');
    expect(takenAtForm('2008-05-30T15:56:01.120+02:00')).toBe('2008-05-30T15:56:01.120+02:00');
    expect(takenAtForm('2008-05-30T15:56:01.5')).toBe('2008-05-30T15:56:01.500');
    expect(takenAtForm('2008-05-30T15:56:01.123456-07:00')).toBe('2008-05-30T15:56:01.123-07:00');
    expect(takenAtForm('2020-01-01T10:00:00.000Z')).toBe('2020-01-01T10:00:00+00:00');
    expect(takenAtForm('2020-01-01T10:00:00.250Z')).toBe('2020-01-01T10:00:00.250+00:00');
    expect(takenAtForm('2024-05-01T12:00:00+02:00')).toBe('2024-05-01T12:00:00+02:00');
    expect(takenAtForm(null)).toBeNull();
    // Anything else is kept as it is.
    expect(takenAtForm('yesterday')).toBe('yesterday');
    // XMP (embedded or a sidecar): a zero fraction and `Z` as the others.
    expect(xmpDate('2013-09-23T10:09:46.000Z')).toBe('2013-09-23T10:09:46+00:00');
    expect(xmpDate('2013-09-23T10:09:46.25+02:00')).toBe('2013-09-23T10:09:46.250+02:00');
    // A library's date from a backend, in whatever form it came.
    const document = { takenAt: '2008-05-30T15:56:01', takenAtSource: 'DateTimeOriginal' } as const;
    expect(
      applyLibraryAttributes(
        documentWithoutExif({ photoMd5: '0123456789abcdef0123456789abcdef', size: 1, ...document }),
        {
          takenAt: '2020-01-01T10:00:00.000Z',
        },
      ).takenAt,
    ).toBe('2020-01-01T10:00:00+00:00');
  });

  test('EXIF dates with and without offset and sub-seconds are stored and printed in the form', async () => {
    const { root, catalog } = await scannedRoot();
    const printed = await printedDates(catalog);
    for (const dates of Object.values(printed)) expect(dates).toEqual(DATES);
    const snapshot = await newestSnapshot(root);
    expect(snapshot.version).toBe(String(SCHEMA_VERSION));
    expect(Object.fromEntries(snapshot.dates as [string, string][])).toEqual(DATES);
  });

  test('a catalog of schema 7 with dates of the older forms reads in the form, and its next snapshot is what a new catalog stores', async () => {
    const { root, cacheDir, source, catalog } = await scannedRoot();
    const current = await newestSnapshot(root);
    await agedToSchema7(catalog, source, cacheDir);
    const old = await newestSnapshot(root);
    expect(old.version).toBe('7');
    expect(
      (old.dates as [string, string][]).filter(([, d]) => d.endsWith('.000') || d.endsWith('Z')),
    ).toHaveLength(2);

    const reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(reopened);
    const expected = { ...DATES, ...OLD_IN_FORM };
    // Its cache files too, as each is read through `metadata`.
    const printed = await printedDates(reopened);
    for (const dates of Object.values(printed)) expect(dates).toEqual(expected);
    // Upgraded in its working copy before it was read; nothing was read from the photos.
    expect(reopened.version.schema_version).toBe(String(SCHEMA_VERSION));

    // Published, it holds what a new catalog holds for the same dates: the Canon's date is the one
    // a fresh scan stores, the other keeps its UTC zone, now as +00:00.
    await reopened.star('photos/Canon_40D.jpg');
    await reopened.save();
    const upgraded = await newestSnapshot(root);
    expect(upgraded.version).toBe(String(SCHEMA_VERSION));
    expect(Object.fromEntries(upgraded.dates as [string, string][])).toEqual(expected);
    const canonMd5 = reopened.get('photos/Canon_40D.jpg')!.photoMd5;
    const heicMd5 = reopened.get('photos/iphone_13_pro_max.HEIC')!.photoMd5;
    const byMd5 = (rows: unknown[]) => new Map(rows as [string, string][]);
    for (const md5 of [canonMd5, heicMd5])
      expect(byMd5(upgraded.documents).get(md5!)).toBe(byMd5(current.documents).get(md5!));
    expect(byMd5(upgraded.documents).get(reopened.get('photos/DSCN0010.jpg')!.photoMd5!)).toContain(
      '"takenAt":"2008-10-22T16:28:39+00:00"',
    );
  });

  test('a catalog of schema 8 does not read its cache documents again to check their dates', async () => {
    const { catalog } = await scannedRoot();
    const reads = vi.spyOn(PhotoCache.prototype, 'readMetadataJson');
    try {
      for (let i = 0; i < 3; i++) for (const file of Object.keys(DATES)) await catalog.metadata(file);
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
  });

  test('an upgraded catalog reads no cache document when opened, and puts each in the form when it is asked for', async () => {
    const { root, cacheDir, source, catalog } = await scannedRoot();
    const cacheFiles = await agedToSchema7(catalog, source, cacheDir);
    const reads = vi.spyOn(PhotoCache.prototype, 'readMetadataJson');
    let reopened: Catalog;
    try {
      reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
      opened.push(reopened);
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
    const cached = async (file: string) =>
      (JSON.parse(await readFile(file, 'utf8')) as MetadataDocument).takenAt;
    for (const [file, takenAt] of Object.entries(OLD_DATES))
      expect(await cached(cacheFiles[file]!)).toBe(takenAt);
    for (const [file, takenAt] of Object.entries(OLD_IN_FORM))
      expect(await cached(await reopened.metadata(file))).toBe(takenAt);
  });

  test('two concurrent metadata calls of a photo whose dates an upgrade after the opening put in the form both give a file in the form', async () => {
    const { root, cacheDir, source, catalog } = await scannedRoot();
    const file = 'photos/Canon_40D.jpg';
    await ageCacheFile(catalog, file, OLD_DATES[file]!);
    await catalog.close();
    // Only its document is of the older form: the catalog is read in place until its first write.
    await replaceSnapshot(source, cacheDir, (db) => {
      db.exec(`UPDATE metadata SET document = replace(document, '"takenAt":"${DATES[file]}"',
        '"takenAt":"${OLD_DATES[file]}"')`);
      db.exec(`UPDATE version SET value = '7' WHERE key = 'schema_version'`);
    });
    const reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(reopened);
    expect(reopened.version.schema_version).toBe('7');
    await reopened.star('photos/DSCN0010.jpg');
    const read = async () =>
      (JSON.parse(await readFile(await reopened.metadata(file), 'utf8')) as MetadataDocument).takenAt;
    expect(await Promise.all([read(), read()])).toEqual([DATES[file], DATES[file]]);
  });

  test('a catalog of schema 7 whose dates are all in the form is read in place', async () => {
    const { root, cacheDir, source, catalog } = await scannedRoot();
    await catalog.close();
    await replaceSnapshot(source, cacheDir, (db) =>
      db.exec(`UPDATE version SET value = '7' WHERE key = 'schema_version'`),
    );
    const reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(reopened);
    expect(reopened.version.schema_version).toBe('7');
    for (const dates of Object.values(await printedDates(reopened))) expect(dates).toEqual(DATES);
  });

  test('a cached document of an older form is brought to the form by the scan that uses it, without decoding the photo', async () => {
    const { catalog, cacheDir } = await scannedRoot();
    const root2 = await tempDir('root2');
    cleanup.push(root2);
    await writeTree(root2, { 'a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')) });
    await ageCacheFile(catalog, 'photos/Canon_40D.jpg', '2008-05-30T15:56:01.000');
    const other = await openCatalog(await createLocalSource({ root: root2 }), { cacheDir });
    opened.push(other);
    // From the cache: nothing rendered again.
    expect(await other.scan()).toMatchObject({ digested: 1, rendered: 0 });
    expect(other.get('a.jpg')?.takenAt).toBe('2008-05-30T15:56:01');
    const file = JSON.parse(await readFile(await other.metadata('a.jpg'), 'utf8')) as MetadataDocument;
    expect(file.takenAt).toBe('2008-05-30T15:56:01');
  });
});
