import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { countingSource } from '@photolala/core/testing';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { tempDir, writeTree } from '../support/fs.js';
import { rawWithPreview } from '../support/images.js';
import { fixture, withXmp, xmpKeywords, xmpPacket } from '../support/media.js';

// Issue 25, "Sidecars": IMG_1234.xmp (Adobe) and IMG_1234.CR2.xmp (darktable) are read and attached
// to their photo, win where they disagree with it, and an edit of one is found by the next scan
// without the photo being read again. Sidecars are not entries.

const { cleanup, opened } = cleanupAfterEach();

const sidecar = (attributes: string, ...keywords: string[]) =>
  xmpPacket(attributes, keywords.length ? xmpKeywords(...keywords) : '');

describe('XMP sidecars', () => {
  test('both naming styles are merged over the photo, and an added, edited or removed sidecar changes its photo unread', async () => {
    const root = await tempDir('sidecars');
    const cacheDir = await tempDir('sidecars-cache');
    cleanup.push(root, cacheDir);
    const embedded = xmpPacket(
      'xmp:Rating="2"',
      `${xmpKeywords('embedded')}<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Embedded title</rdf:li></rdf:Alt></dc:title>`,
    );
    const preview = await fixture('landscape_2.jpg');
    await writeTree(root, {
      // EXIF DateTimeOriginal 2008-10-22T16:28:39, and an embedded packet of its own.
      'a/IMG_1.JPG': withXmp(await fixture('DSCN0010.jpg'), embedded),
      'a/IMG_1.xmp': sidecar(
        'xmp:Rating="5" photoshop:DateCreated="2001-02-03T04:05:06+01:00"',
        'sidecar',
        'adobe',
      ),
      'b/IMG_2.JPG': preview,
      'b/IMG_2.CR2': rawWithPreview(preview, 1),
      // darktable's sidecar names the CR2 alone and wins there; Adobe's serves the JPEG.
      'b/IMG_2.CR2.xmp': sidecar('xmp:Rating="4"', 'darktable'),
      'b/IMG_2.xmp': sidecar('xmp:Rating="1"'),
      'c/plain.jpg': await fixture('landscape_3.jpg'),
    });
    const source = countingSource(await createLocalSource({ root }));
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    const first = await catalog.scan();
    expect(first.failed).toEqual([]);
    // Sidecars are not entries: they are read for their photos.
    expect(catalog.list().map((e) => e.path)).toEqual([
      'a/IMG_1.JPG',
      'b/IMG_2.CR2',
      'b/IMG_2.JPG',
      'c/plain.jpg',
    ]);
    const values = () =>
      Object.fromEntries(
        catalog.list().map((e) => [e.path, [e.rating ?? null, e.keywords ?? null, e.takenAt]]),
      );
    expect(values()).toEqual({
      'a/IMG_1.JPG': [5, ['sidecar', 'adobe'], '2001-02-03T04:05:06+01:00'],
      'b/IMG_2.CR2': [4, ['darktable'], null],
      'b/IMG_2.JPG': [1, null, null],
      'c/plain.jpg': [null, null, null],
    });
    // The document says which values came from the sidecar; the title is the photo's own.
    const document = await catalog.metadataDocument('a/IMG_1.JPG');
    expect(document).toMatchObject({
      sidecar: 'a/IMG_1.xmp',
      sources: { takenAt: 'sidecar', rating: 'sidecar', keywords: 'sidecar' },
      takenAt: '2001-02-03T04:05:06+01:00',
      takenAtSource: 'XMPSidecar',
      rating: 5,
      keywords: ['sidecar', 'adobe'],
      title: 'Embedded title',
    });

    const unchanged = await catalog.scan();
    expect([unchanged.changed, unchanged.wroteNewSnapshot]).toEqual([[], false]);

    // An edited sidecar: its photo changes, and is not read again.
    source.fulls.clear();
    source.heads.clear();
    await writeFile(path.join(root, 'a/IMG_1.xmp'), sidecar('xmp:Rating="3"', 'edited'));
    // status says so before a scan, and reads nothing to say it.
    expect((await catalog.status()).changed).toEqual(['a/IMG_1.JPG']);
    expect([...source.fulls.keys(), ...source.heads.keys()]).toEqual([]);
    const edited = await catalog.scan();
    expect([edited.changed, edited.digested, edited.unchanged]).toEqual([['a/IMG_1.JPG'], 0, 3]);
    // Files read: the sidecar and the catalog's own (`.photolala.*`), never the photo.
    const read = [...source.fulls.keys(), ...source.heads.keys()];
    expect(read.filter((p) => !p.startsWith('.photolala'))).toEqual(['a/IMG_1.xmp']);
    // The sidecar has no date now: the photo's EXIF date is back.
    expect(values()['a/IMG_1.JPG']).toEqual([3, ['edited'], '2008-10-22T16:28:39']);
    expect(await catalog.metadataDocument('a/IMG_1.JPG')).toMatchObject({
      takenAtSource: 'DateTimeOriginal',
      sources: { rating: 'sidecar', keywords: 'sidecar' },
    });

    // darktable's sidecar removed: the CR2 falls back to Adobe's; a sidecar added to a plain photo.
    await rm(path.join(root, 'b/IMG_2.CR2.xmp'));
    await writeFile(path.join(root, 'c/plain.jpg.xmp'), sidecar('xmp:Rating="2"', 'new'));
    expect((await catalog.status()).changed).toEqual(['b/IMG_2.CR2', 'c/plain.jpg']);
    const moved = await catalog.scan();
    expect(moved.changed).toEqual(['b/IMG_2.CR2', 'c/plain.jpg']);
    expect([values()['b/IMG_2.CR2'], values()['c/plain.jpg']]).toEqual([
      [1, null, null],
      [2, ['new'], null],
    ]);

    // Every sidecar of a photo removed: its own values again, and a document with no sidecar.
    await rm(path.join(root, 'a/IMG_1.xmp'));
    const removed = await catalog.scan();
    expect(removed.changed).toEqual(['a/IMG_1.JPG']);
    expect(values()['a/IMG_1.JPG']).toEqual([2, ['embedded'], '2008-10-22T16:28:39']);
    const own = await catalog.metadataDocument('a/IMG_1.JPG');
    expect([own.sidecar, own.sources, own.rating]).toEqual([undefined, undefined, 2]);

    // The sidecar values are in the snapshot: a fresh open lists them.
    await catalog.close();
    const again = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(again);
    expect(Object.fromEntries(again.list().map((e) => [e.path, e.rating ?? null]))).toEqual({
      'a/IMG_1.JPG': 2,
      'b/IMG_2.CR2': 1,
      'b/IMG_2.JPG': 1,
      'c/plain.jpg': 2,
    });
    expect((await again.scan()).changed).toEqual([]);
  });
});
