import { readFile, rm } from 'node:fs/promises';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, openCatalog, SCHEMA_VERSION } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach, scannedPhotos } from '../support/catalog.js';
import { readNewestSnapshot, replaceSnapshot } from '../support/craft-snapshot.js';

// Snapshot schema 6 stores metadata documents without their nulls and without what the row or the
// document gives again; every reader still gets the whole document, from new and older snapshots.

const { cleanup, opened } = cleanupAfterEach();

/** EXIF of several cameras (GPS, a turned photo, a HEIC), and a photo with none. */
const PHOTOS = ['Canon_40D.jpg', 'DSCN0010.jpg', 'landscape_6.jpg', 'iphone_13_pro_max.HEIC', 'no_exif.jpg'];

const scannedRoot = () => scannedPhotos(PHOTOS, { cleanup, opened });

/** The documents as digested: the cache files a first scan wrote, as text, by path. */
async function cachedDocuments(catalog: Catalog): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const name of PHOTOS) {
    const text = await readFile(await catalog.metadata(`photos/${name}`), 'utf8');
    texts.set(`photos/${name}`, JSON.stringify(JSON.parse(text)));
  }
  return texts;
}

/** Each photo's document as the catalog gives it, read from its own copy: the cache files are removed first. */
async function documentsFromCatalog(catalog: Catalog): Promise<Map<string, unknown>> {
  const documents = new Map<string, unknown>();
  for (const name of PHOTOS) await rm(await catalog.metadata(`photos/${name}`));
  for (const name of PHOTOS)
    documents.set(`photos/${name}`, await catalog.metadataDocument(`photos/${name}`));
  return documents;
}

async function newestSnapshot(root: string) {
  const snapshot = await readNewestSnapshot(root, (db) => ({
    documents: db.prepare('SELECT photo_md5, document FROM metadata ORDER BY photo_md5').raw().all() as [
      string,
      string,
    ][],
    externalIdIndex: db
      .prepare(`SELECT sql FROM sqlite_master WHERE name = 'entries_by_external_id'`)
      .pluck()
      .get(),
  }));
  return { ...snapshot, bytes: await readFile(snapshot.file) };
}

describe('metadata documents in the snapshot (schema 6)', () => {
  test('are stored without nulls or what the row gives again, and read back whole', async () => {
    const { root, catalog } = await scannedRoot();
    const digested = await cachedDocuments(catalog);
    const snapshot = await newestSnapshot(root);
    expect(snapshot.version).toBe(String(SCHEMA_VERSION));
    expect(snapshot.documents).toHaveLength(PHOTOS.length);
    for (const [md5, text] of snapshot.documents) {
      expect(text).not.toMatch(/null|"version"|"photoMd5"/);
      expect(text).not.toContain(md5);
    }
    // The stored documents are much smaller than the ones digested.
    const storedBytes = snapshot.documents.reduce((sum, [, text]) => sum + text.length, 0);
    const digestedBytes = [...digested.values()].reduce((sum, text) => sum + text.length, 0);
    expect(storedBytes).toBeLessThan(digestedBytes * 0.8);
    expect(snapshot.externalIdIndex).toMatch(/WHERE external_id IS NOT NULL$/);
    // Pages of 8 KiB (the header's page size, big-endian at 16).
    expect(snapshot.bytes.readUInt16BE(16)).toBe(8192);

    // Read from the catalog's own copy, each document is the one digested, nulls and all.
    const documents = await documentsFromCatalog(catalog);
    for (const [file, text] of digested) expect(documents.get(file)).toStrictEqual(JSON.parse(text));
    expect([...documents.values()].some((d) => (d as { takenAt: unknown }).takenAt === null)).toBe(true);
    // And the cache file made again from it holds the very same document.
    for (const [file, text] of digested)
      expect(JSON.parse(await readFile(await catalog.metadata(file), 'utf8'))).toStrictEqual(
        JSON.parse(text),
      );
  });

  test('a snapshot of schema 5 loads, lists and reads its documents as they were, and its next snapshot stores them as a new catalog does', async () => {
    const { root, cacheDir, source, catalog } = await scannedRoot();
    const digested = await cachedDocuments(catalog);
    const listed = catalog.list();
    const current = await newestSnapshot(root);
    await catalog.close();

    // Release 5 wrote every document whole, and indexed every row's external id.
    const v5Md5 = await replaceSnapshot(source, cacheDir, (db) => {
      const put = db.prepare('UPDATE metadata SET document = ? WHERE photo_md5 = ?');
      for (const text of digested.values()) put.run(text, JSON.parse(text).photoMd5);
      db.exec(`DROP TABLE unlisted; DROP INDEX entries_by_external_id;
        CREATE INDEX entries_by_external_id ON entries(external_id);
        UPDATE version SET value = '5' WHERE key = 'schema_version'`);
      // In pages of 4 KiB, as release 5 wrote them.
      db.exec('PRAGMA page_size = 4096; VACUUM');
    });
    const old = await newestSnapshot(root);
    expect(old.version).toBe('5');
    expect(old.bytes.readUInt16BE(16)).toBe(4096);
    expect(old.documents.map(([, text]) => text).sort()).toEqual([...digested.values()].sort());

    const reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(reopened);
    expect(reopened.loadInfo).toMatchObject({ catalogMd5: v5Md5 });
    // Read in place, as it stands: only a write upgrades it.
    expect(reopened.version.schema_version).toBe('5');
    expect(reopened.list()).toEqual(listed);
    const documents = await documentsFromCatalog(reopened);
    for (const [file, text] of digested) expect(documents.get(file)).toStrictEqual(JSON.parse(text));
    expect((await reopened.scan()).changed).toEqual([]);
    expect((await newestSnapshot(root)).md5).toBe(v5Md5);

    // The next snapshot is published at schema 6, its documents stored as a new catalog stores them.
    await reopened.star('photos/no_exif.jpg');
    expect(await reopened.save()).not.toBe(v5Md5);
    const upgraded = await newestSnapshot(root);
    expect(upgraded.version).toBe(String(SCHEMA_VERSION));
    expect(upgraded.documents).toEqual(current.documents);
    expect(upgraded.externalIdIndex).toBe(current.externalIdIndex);
    expect(upgraded.bytes.readUInt16BE(16)).toBe(8192);
    const again = await documentsFromCatalog(reopened);
    for (const [file, text] of digested) expect(again.get(file)).toStrictEqual(JSON.parse(text));
  });

  test('documents digested again are stored as the same bytes: the catalog-md5 stays', async () => {
    const { root, catalog } = await scannedRoot();
    const first = await newestSnapshot(root);
    // Every photo read and digested again, with no cached document to reuse.
    for (const name of PHOTOS) await rm(await catalog.metadata(`photos/${name}`));
    await catalog.scan({ full: true });
    const second = await newestSnapshot(root);
    expect(second.md5).toBe(first.md5);
    expect(second.bytes.equals(first.bytes)).toBe(true);
  });

  test("a newer release's snapshot is refused as an older release refuses this one: the pointer's next snapshot is loaded", async () => {
    const { root, cacheDir, source, catalog } = await scannedRoot();
    const listed = catalog.list();
    const current = (await newestSnapshot(root)).md5;
    await catalog.close();
    const newer = await replaceSnapshot(
      source,
      cacheDir,
      (db) => db.exec(`UPDATE version SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`),
      { keepOlder: true },
    );
    const reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(reopened);
    expect(reopened.loadInfo).toMatchObject({ source: 'older', catalogMd5: current });
    expect(reopened.loadInfo.skipped).toContainEqual({
      store: 'root',
      catalogMd5: newer,
      reason: `does not open: CORRUPT: not a valid catalog snapshot: schema version ${SCHEMA_VERSION + 1}, expected 1 to ${SCHEMA_VERSION}`,
    });
    expect(reopened.list()).toEqual(listed);
  });
});
