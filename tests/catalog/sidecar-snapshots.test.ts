import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, openCatalog } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { replaceSnapshot } from '../support/craft-snapshot.js';
import { tempDir, writeTree } from '../support/fs.js';
import { fixture, xmpKeywords, xmpPacket } from '../support/media.js';

// Issue 25, "Sidecars", as snapshots carry them: a merge onto a snapshot another session published
// keeps the sidecar a scan read, and a snapshot made before sidecars existed (where `.xmp` files were
// entries of their own) is upgraded: the sidecar is no entry, and the next scan attaches it.

const { cleanup, opened } = cleanupAfterEach();

const sidecar = (rating: number, ...keywords: string[]) =>
  Buffer.from(xmpPacket(`xmp:Rating="${rating}"`, xmpKeywords(...keywords)));

async function rootWithSidecar() {
  const root = await tempDir('sidecar-snapshots');
  const cacheDir = await tempDir('sidecar-snapshots-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, {
    'IMG_1.JPG': await fixture('landscape_1.jpg'),
    'IMG_1.xmp': sidecar(4, 'adobe'),
    'plain.jpg': await fixture('landscape_2.jpg'),
  });
  return { root, cacheDir };
}

async function open(root: string, cacheDir: string): Promise<Catalog> {
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  return catalog;
}

const values = (catalog: Catalog) =>
  catalog.list().map((e) => [e.path, e.rating ?? null, e.keywords ?? null, e.starred]);

describe('sidecars in snapshots', () => {
  test('a scan merged onto a snapshot published meanwhile keeps the sidecar it read', async () => {
    const { root, cacheDir } = await rootWithSidecar();
    const first = await open(root, cacheDir);
    await first.scan();
    await first.close();

    // Both opened from the same snapshot; the star is published first, the scan's sidecar edit last.
    const scanning = await open(root, cacheDir);
    const starring = await open(root, cacheDir);
    await starring.star('plain.jpg');
    await starring.close();
    await writeFile(path.join(root, 'IMG_1.xmp'), sidecar(5, 'adobe', 'edited'));
    const merged = await scanning.scan();
    expect(merged.changed).toEqual(['IMG_1.JPG']);
    await scanning.close();

    const after = await open(root, cacheDir);
    expect(values(after)).toEqual([
      ['IMG_1.JPG', 5, ['adobe', 'edited'], false],
      ['plain.jpg', null, null, true],
    ]);
    // The sidecar is recorded with its photo: the document names it, and nothing is stale.
    expect(await after.metadataDocument('IMG_1.JPG')).toMatchObject({
      rating: 5,
      sidecar: 'IMG_1.xmp',
      sources: { rating: 'sidecar', keywords: 'sidecar' },
    });
    expect((await after.status()).changed).toEqual([]);
    const rescan = await after.scan();
    expect([rescan.changed, rescan.added, rescan.removed, rescan.wroteNewSnapshot]).toEqual([
      [],
      [],
      [],
      false,
    ]);
  });

  test('a snapshot made before sidecars lists no .xmp, and the next scan attaches it to its photo', async () => {
    const { root, cacheDir } = await rootWithSidecar();
    // What version 3 made of this folder: the sidecar an entry of its own (`other`, no photo), and the
    // photo without its values.
    await writeFile(path.join(root, 'note.txt'), 'a note\n');
    const first = await open(root, cacheDir);
    await first.scan();
    await first.close();
    const source = await createLocalSource({ root });
    await replaceSnapshot(source, cacheDir, (db) => {
      db.exec(`
        INSERT INTO entries (path, fast_photo_key, size, mtime_ms, etag, external_id, photo_md5, kind,
            taken_at, width, height, starred, status, reason)
          SELECT 'IMG_1.xmp', fast_photo_key, size, mtime_ms, NULL, NULL, NULL, 'other', NULL, NULL, NULL,
            0, 'ok', NULL FROM entries WHERE path = 'note.txt';
        UPDATE entries SET rating = NULL, keywords = NULL;
        DROP TABLE unlisted;
        DROP INDEX entries_with_sidecar;
        ALTER TABLE entries DROP COLUMN sidecar;
        UPDATE version SET value = '3' WHERE key = 'schema_version';
        DELETE FROM listing;
      `);
    });

    const reopened = await open(root, cacheDir);
    // On open: the sidecar is no entry.
    expect(reopened.list().map((e) => e.path)).toEqual(['IMG_1.JPG', 'note.txt', 'plain.jpg']);
    expect(reopened.get('IMG_1.xmp')).toBeUndefined();
    const rescan = await reopened.scan();
    expect(rescan.failed).toEqual([]);
    expect([rescan.changed, rescan.removed, rescan.added]).toEqual([['IMG_1.JPG'], [], []]);
    const upgraded = [
      ['IMG_1.JPG', 4, ['adobe'], false],
      ['note.txt', null, null, false],
      ['plain.jpg', null, null, false],
    ];
    expect(values(reopened)).toEqual(upgraded);
    await reopened.close();
    const again = await open(root, cacheDir);
    expect(values(again)).toEqual(upgraded);
    expect((await again.metadataDocument('IMG_1.JPG')).sidecar).toBe('IMG_1.xmp');
  });
});
