import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type CatalogEntry, openCatalog } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { tempDir, writeTree } from '../support/fs.js';
import { fixture, liveMovie, livePhoto } from '../support/media.js';

// Issue 25, "Live Photos": a HEIC or JPEG and a MOV are one item when their Apple ContentIdentifier
// matches where it can be read (the photo's Apple maker note, the movie's QuickTime metadata), whatever
// their names, in addition to the same base name in the same folder.

const { cleanup, opened } = cleanupAfterEach();

const A = '0A1B2C3D-1111-4222-8333-444455556666';
const B = '7E8F9A0B-AAAA-4BBB-8CCC-DDDDEEEEFFFF';
const C = 'C0FFEE00-0000-4000-8000-000000000001';

const membership = (entries: CatalogEntry[]) =>
  Object.fromEntries(entries.map((e) => [e.path, e.role ? `${e.role} of ${e.group}` : e.kind]));

describe('Live Photos paired by Apple content identifier', () => {
  test('a photo and a movie of one folder with equal identifiers are one group, whatever their names', async () => {
    const root = await tempDir('live-id');
    const cacheDir = await tempDir('live-id-cache');
    cleanup.push(root, cacheDir);
    const heic = await livePhoto(await fixture('iphone_13_pro_max.HEIC'), 'heic', A);
    const jpeg = await livePhoto(await fixture('landscape_1.jpg'), 'jpg', B);
    await writeTree(root, {
      // iOS names the movie of a Live Photo saved again `_3`: the names differ, the identifiers match.
      'live/IMG_1234.HEIC': heic,
      'live/IMG_1234_3.MOV': await liveMovie('red', A),
      // Both renamed.
      'live/holiday.jpg': jpeg,
      'live/clip.mov': await liveMovie('green', B),
      // An identifier no photo has, and one whose photo is in another folder: no pair.
      'live/stray.mov': await liveMovie('blue', C),
      'other/copy.mov': await liveMovie('yellow', B),
    });
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    const first = await catalog.scan();
    expect(first.failed).toEqual([]);
    const expected = {
      'live/IMG_1234.HEIC': 'primary of live/IMG_1234.HEIC',
      'live/IMG_1234_3.MOV': 'motion of live/IMG_1234.HEIC',
      'live/clip.mov': 'motion of live/holiday.jpg',
      'live/holiday.jpg': 'primary of live/holiday.jpg',
      'live/stray.mov': 'video',
      'other/copy.mov': 'video',
    };
    expect(membership(catalog.list())).toEqual(expected);
    // The identifier is in each file's metadata document, where grouping reads it from.
    const identifiers = await Promise.all(
      catalog.list().map(async (e) => [e.path, (await catalog.metadataDocument(e.path)).contentIdentifier]),
    );
    expect(Object.fromEntries(identifiers)).toEqual({
      'live/IMG_1234.HEIC': A,
      'live/IMG_1234_3.MOV': A,
      'live/clip.mov': B,
      'live/holiday.jpg': B,
      'live/stray.mov': C,
      'other/copy.mov': B,
    });

    // The movie renamed stays attached; a movie of another Live Photo in its place leaves the photo alone.
    await rename(path.join(root, 'live/clip.mov'), path.join(root, 'live/renamed.mov'));
    const second = await catalog.scan();
    expect(second.moved).toEqual([{ from: 'live/clip.mov', to: 'live/renamed.mov' }]);
    const { 'live/clip.mov': _, ...renamed } = expected;
    expect(membership(catalog.list())).toEqual({
      ...renamed,
      'live/renamed.mov': 'motion of live/holiday.jpg',
    });
    await writeFile(path.join(root, 'live/renamed.mov'), await liveMovie('green', C));
    const third = await catalog.scan();
    expect(third.changed).toEqual(['live/renamed.mov']);
    expect(membership(catalog.list())).toMatchObject({
      'live/holiday.jpg': 'jpeg',
      'live/renamed.mov': 'video',
      'live/stray.mov': 'video',
    });

    // Put back, the pair is whole again, and the groups are in the snapshot a fresh open reads.
    await writeFile(path.join(root, 'live/renamed.mov'), await liveMovie('green', B));
    await catalog.scan();
    await catalog.close();
    const again = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(again);
    expect(again.loadInfo.source).toBe('root');
    expect(membership(again.list())).toEqual({
      ...renamed,
      'live/renamed.mov': 'motion of live/holiday.jpg',
    });
    // ffmpeg and exiftool make the files, and each scan probes the movies it reads: a loaded machine
    // takes a minute.
  }, 240_000);
});
