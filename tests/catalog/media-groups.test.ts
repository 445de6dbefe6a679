import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type CatalogEntry, openCatalog, SCHEMA_VERSION } from '@photolala/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { replaceSnapshot } from '../support/craft-snapshot.js';
import { tempDir, writeTree } from '../support/fs.js';
import { MEDIA_GROUPS, mediaChanges, mediaTree, PIXEL } from '../support/media.js';

const { cleanup, opened } = cleanupAfterEach();

const membership = (entries: CatalogEntry[]) =>
  Object.fromEntries(entries.map((e) => [e.path, e.role ? `${e.role} of ${e.group}` : e.kind]));
const EXPECTED = MEDIA_GROUPS;

describe('pairs and groups in the catalog', () => {
  let files: Record<string, Buffer>;
  beforeAll(async () => {
    files = await mediaTree();
  });

  test('each pair is one group of entries; every member is still an entry whose change a rescan finds', async () => {
    const root = await tempDir('groups');
    const cacheDir = await tempDir('groups-cache');
    cleanup.push(root, cacheDir);
    await writeTree(root, files);
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    const first = await catalog.scan();
    expect(first.failed).toEqual([]);
    expect(first.entries).toBe(9);
    expect(membership(catalog.list())).toEqual(EXPECTED);
    // The XMP rating and keywords are in the entries, as the snapshot stores them.
    const rated = catalog.list().filter((e) => e.rating !== undefined);
    expect(rated.map((e) => [e.path, e.rating, e.keywords])).toEqual([
      ['edit/IMG_E1234.JPG', 5, ['sunset']],
      ['single.jpg', 3, ['Beach', 'sea']],
    ]);
    const kinds = Object.fromEntries(catalog.list().map((e) => [e.path, e.kind]));
    expect([
      kinds['live/IMG_0001.MOV'],
      kinds['raw/DSC_0002.CR2'],
      kinds[`${PIXEL}.RAW-02.ORIGINAL.dng`],
    ]).toEqual(['video', 'cr2', 'dng']);

    // Every member changes on its own, the shown photos and the attached files alike.
    const changes = await mediaChanges();
    const before = new Map(catalog.list().map((e) => [e.path, e.photoMd5]));
    await writeTree(root, changes);
    const second = await catalog.scan();
    expect(second.changed).toEqual(Object.keys(changes).sort());
    for (const entry of catalog.list()) {
      if (entry.path in changes) expect(entry.photoMd5).not.toBe(before.get(entry.path));
      else expect(entry.photoMd5).toBe(before.get(entry.path));
    }
    expect(membership(catalog.list())).toEqual(EXPECTED);

    // A Live Photo's movie removed leaves the photo on its own; put back, the pair is whole again.
    await rm(path.join(root, 'live/IMG_0001.MOV'));
    const third = await catalog.scan();
    expect(third.removed).toEqual(['live/IMG_0001.MOV']);
    // Alone again: its entry has no group, nor a role in one.
    const alone = catalog.get('live/IMG_0001.HEIC');
    expect(alone).not.toHaveProperty('group');
    expect(alone).not.toHaveProperty('role');
    await writeFile(path.join(root, 'live/IMG_0001.MOV'), changes['live/IMG_0001.MOV']!);
    await catalog.scan();
    expect(membership(catalog.list())).toEqual(EXPECTED);

    // The groups are in the snapshot: a fresh open reads them back.
    await catalog.close();
    const again = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(again);
    expect(again.loadInfo.source).toBe('root');
    expect(membership(again.list())).toEqual(EXPECTED);
    expect(membership([...again.iterate()])).toEqual(EXPECTED);
    // Five scans, each probing the movie with ffprobe: over a minute on a loaded machine.
  }, 180_000);

  test('a catalog saved before groups existed (schema 2) loads with its groups, and the next scan saves them', async () => {
    const root = await tempDir('groups-old');
    const cacheDir = await tempDir('groups-old-cache');
    cleanup.push(root, cacheDir);
    await writeTree(root, {
      'live/IMG_0001.HEIC': files['live/IMG_0001.HEIC']!,
      'live/IMG_0001.MOV': files['live/IMG_0001.MOV']!,
    });
    const source = await createLocalSource({ root });
    const catalog = await openCatalog(source, { cacheDir });
    await catalog.scan();
    await catalog.close();
    // What release 2 wrote: no group, role, rating or keywords columns, and a listing of 14 columns.
    const old = await replaceSnapshot(source, cacheDir, (db) => {
      db.exec('DROP TABLE unlisted; DROP INDEX entries_with_sidecar');
      for (const column of ['group_id', 'role', 'rating', 'keywords', 'sidecar'])
        db.exec(`ALTER TABLE entries DROP COLUMN ${column}`);
      db.exec(`UPDATE version SET value = '2' WHERE key = 'schema_version'; DELETE FROM listing`);
    });
    const reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(reopened);
    expect([reopened.loadInfo.source, reopened.loadInfo.catalogMd5]).toEqual(['root', old]);
    expect(membership(reopened.list())).toEqual({
      'live/IMG_0001.HEIC': 'primary of live/IMG_0001.HEIC',
      'live/IMG_0001.MOV': 'motion of live/IMG_0001.HEIC',
    });
    const rescan = await reopened.scan();
    expect([rescan.changed, rescan.added, rescan.wroteNewSnapshot]).toEqual([[], [], true]);
    expect(reopened.version.schema_version).toBe(String(SCHEMA_VERSION));
  });
});
