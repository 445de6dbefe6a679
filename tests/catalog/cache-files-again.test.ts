import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, PhotoCache } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { replaceSnapshot } from '../support/craft-snapshot.js';
import { countingSource, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

// Cache files made again go through the digester as a scan's do: the photo is read once, checked
// against the catalog before anything is written, and the document written is the catalog's own.

const { cleanup, opened } = cleanupAfterEach();

/** A root with one photo, scanned; its catalog's document of the photo carries a title the file lacks. */
async function scanned() {
  const root = await tempDir('root');
  const cacheDir = await tempDir('cache');
  cleanup.push(root, cacheDir);
  // Over 4 KiB, so the head is not the whole file.
  await writeTree(root, { 'a.jpg': await syntheticJpeg(7, 640, 480) });
  const plain = await createLocalSource({ root });
  const first = await openCatalog(plain, { cacheDir });
  opened.push(first);
  await first.scan();
  await first.close();
  await replaceSnapshot(plain, cacheDir, (db) => {
    db.exec(`UPDATE metadata SET document = json_set(document, '$.title', 'from the catalog')`);
  });
  const source = countingSource(await createLocalSource({ root }));
  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  const photoMd5 = catalog.get('a.jpg')!.photoMd5!;
  return { root, source, catalog, photoMd5, paths: new PhotoCache(cacheDir).pathsFor('local', photoMd5) };
}

describe('cache files made again', () => {
  test('a lost thumbnail and document come from one read of the photo, the document being the catalog’s', async () => {
    const { source, catalog, photoMd5, paths } = await scanned();
    await rm(paths.thumbnail);
    await rm(paths.metadata);
    expect(await catalog.thumbnail('a.jpg')).toBe(paths.thumbnail);
    expect([source.heads.get('a.jpg'), source.fulls.get('a.jpg')]).toEqual([1, 1]);
    expect((await readFile(paths.thumbnail)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const written = JSON.parse(await readFile(paths.metadata, 'utf8'));
    expect(written).toMatchObject({ photoMd5, title: 'from the catalog', width: 640, height: 480 });
    // Both are there now: asking again reads nothing.
    const reads = source.opened();
    expect(await catalog.metadata('a.jpg')).toBe(paths.metadata);
    expect(source.opened()).toBe(reads);
  });

  test('a photo whose bytes changed past its head is refused before any cache file is written', async () => {
    const { root, source, catalog, paths } = await scanned();
    await rm(paths.thumbnail);
    await rm(paths.metadata);
    const file = path.join(root, 'a.jpg');
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
    await writeFile(file, bytes);
    await expect(catalog.thumbnail('a.jpg')).rejects.toThrow(/a\.jpg changed since the last scan/);
    expect(source.fulls.get('a.jpg')).toBe(1);
    expect([existsSync(paths.thumbnail), existsSync(paths.metadata)]).toEqual([false, false]);
  });
});
