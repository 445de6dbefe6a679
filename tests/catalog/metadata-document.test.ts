import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type MetadataDocument, openCatalog } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

async function scanned() {
  const root = await tempDir('root');
  const cacheDir = await tempDir('cache');
  cleanup.push(root, cacheDir);
  const photo = await readFile(path.join(FIXTURES, 'Canon_40D.jpg'));
  await writeTree(root, { 'Canon_40D.jpg': photo, 'notes.txt': 'not a photo' });
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  await catalog.scan();
  return { catalog, photoMd5: md5Hex(photo) };
}

describe('Catalog.metadataDocument', () => {
  test("is the parsed document of the file metadata() names, with the photo's EXIF", async () => {
    const { catalog, photoMd5 } = await scanned();
    const document: MetadataDocument = await catalog.metadataDocument('Canon_40D.jpg');
    const file = await catalog.metadata('Canon_40D.jpg');
    expect(document).toEqual(JSON.parse(await readFile(file, 'utf8')));
    expect(document.photoMd5).toBe(photoMd5);
    expect(document.kind).toBe('jpeg');
    expect(document.make).toBe('Canon');
    expect(document.model).toBe('Canon EOS 40D');
    // Any id of the entry names the same document.
    expect(await catalog.metadataDocument(photoMd5)).toEqual(document);
  });

  test("replaces a cached file that is not this photo's document with the catalog's copy", async () => {
    const { catalog, photoMd5 } = await scanned();
    const good = await catalog.metadataDocument('Canon_40D.jpg');
    const file = await catalog.metadata('Canon_40D.jpg');
    for (const damage of ['{"version": 1', JSON.stringify({ ...good, photoMd5: '0'.repeat(32) })]) {
      await writeFile(file, damage);
      expect(await catalog.metadataDocument('Canon_40D.jpg')).toEqual(good);
      expect(JSON.parse(await readFile(file, 'utf8')).photoMd5).toBe(photoMd5);
    }
  });

  test('refuses a file that is no photo, and a path the catalog does not hold', async () => {
    const { catalog } = await scanned();
    await expect(catalog.metadataDocument('notes.txt')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(catalog.metadataDocument('nope.jpg')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
