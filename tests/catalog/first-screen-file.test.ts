import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, type FirstScreen, openCatalog, PhotoCache } from '@photolala/core';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

/** A root of six photos over three months, scanned and closed: its snapshot is in the mirror. */
async function publishedRoot(keepSnapshots?: number) {
  const root = await tempDir('screen-file');
  const cacheDir = await tempDir('screen-file-cache');
  cleanup.push(root, cacheDir);
  const names = ['a/p0.jpg', 'b/p1.jpg', 'c/p2.jpg', 'd/p3.jpg', 'e/p4.jpg', 'f/p5.jpg'];
  const tree: Record<string, Uint8Array | string> = { 'notes.txt': 'not a photo' };
  for (const [i, name] of names.entries()) tree[name] = await syntheticJpeg(30 + i);
  await writeTree(root, tree);
  for (const [i, name] of names.entries()) {
    const when = new Date(Date.UTC(2024, 1 + Math.floor(i / 2), 3 + i));
    await utimes(path.join(root, name), when, when);
  }
  const options = { cacheDir, ...(keepSnapshots ? { keepSnapshots } : {}) };
  const open = async () => {
    const catalog = await openCatalog(await createLocalSource({ root }), options);
    opened.push(catalog);
    return catalog;
  };
  const first = await open();
  await first.scan();
  const uri = first.rootUri;
  await close(first);
  const mirror = new PhotoCache(cacheDir).mirrorDir(uri);
  const fileOf = (md5: string) => path.join(mirror, `.photolala.${md5}.first-screen.json`);
  return { open, mirror, fileOf };
}

async function close(catalog: Catalog) {
  await catalog.close();
  opened.splice(opened.indexOf(catalog), 1);
}

const stored = async (file: string) =>
  JSON.parse(await readFile(file, 'utf8')) as {
    version: number;
    catalogMd5: string;
    limit: number;
    screen: FirstScreen;
  };

describe('a snapshot first screen kept in the cache mirror', () => {
  it('is written by the first reader of the snapshot and read back by the next', async () => {
    const { open, mirror, fileOf } = await publishedRoot();
    const reader = await open();
    const md5 = reader.catalogMd5!;
    const screen = reader.firstScreen(300);
    expect(screen.total).toBe(6);
    expect(screen.photos.map((p) => p.path)).toEqual([
      'f/p5.jpg',
      'e/p4.jpg',
      'd/p3.jpg',
      'c/p2.jpg',
      'b/p1.jpg',
      'a/p0.jpg',
    ]);
    await close(reader);
    const file = await stored(fileOf(md5));
    expect(file).toEqual({ version: 1, catalogMd5: md5, limit: 300, screen });
    // Only this one: no temp file is left beside it.
    expect((await readdir(mirror)).filter((n) => n.includes('first-screen') || n.includes('tmp'))).toEqual([
      path.basename(fileOf(md5)),
    ]);

    // Read back: the months are taken as stored (counting them is the pass the file spares), so a
    // file whose months differ shows it was read; its photos are checked against the database.
    const edited = structuredClone(file);
    edited.screen.months = [
      { month: '2024-04', count: 4 },
      { month: '2024-02', count: 2 },
    ];
    await writeFile(fileOf(md5), JSON.stringify(edited));
    const next = await open();
    expect(next.firstScreen(300)).toEqual(edited.screen);
    // Another limit is another screen: computed, not taken from the file.
    expect(next.firstScreen(2).months).toEqual(screen.months);
    await close(next);
  });

  it('is ignored and made again when anything in it is off', async () => {
    const { open, fileOf } = await publishedRoot();
    const reader = await open();
    const md5 = reader.catalogMd5!;
    const screen = reader.firstScreen(300);
    await close(reader);
    const good = await stored(fileOf(md5));
    const tampered: [string, (f: typeof good) => unknown][] = [
      ['a photo-md5 the row does not have', (f) => (f.screen.photos[0]!.photoMd5 = 'f'.repeat(32))],
      ['a position elsewhere in the listing', (f) => (f.screen.photos[1]!.position += 1)],
      ['a star the row does not have', (f) => (f.screen.photos[2]!.starred = true)],
      ['a path with ..', (f) => (f.screen.photos[0]!.path = '../etc/passwd')],
      ['a path not in the catalog', (f) => (f.screen.photos[0]!.path = 'z/elsewhere.jpg')],
      ['counts that do not add up', (f) => (f.screen.total = 7)],
      ['a month that is no month', (f) => (f.screen.months[0]!.month = '2024-13')],
      ['months out of order', (f) => f.screen.months.reverse()],
      ['an unknown role', (f) => (f.screen.photos[0]!.attached = ['other'])],
      ['another snapshot', (f) => (f.catalogMd5 = '0'.repeat(32))],
      ['another limit', (f) => (f.limit = 200)],
      ['another version', (f) => (f.version = 2)],
      ['too few photos', (f) => f.screen.photos.pop()],
      ['no object', () => [1, 2, 3]],
    ];
    for (const [what, change] of tampered) {
      const bad = structuredClone(good);
      const replaced = change(bad);
      await writeFile(fileOf(md5), JSON.stringify(Array.isArray(replaced) ? replaced : bad));
      const catalog = await open();
      expect(catalog.firstScreen(300), what).toEqual(screen);
      await close(catalog);
      // Written again, as the reader computed it.
      expect(await stored(fileOf(md5)), what).toEqual(good);
    }
    await writeFile(fileOf(md5), '{ not json');
    const catalog = await open();
    expect(catalog.firstScreen(300)).toEqual(screen);
    await close(catalog);
  });

  it('applies only to the unmodified snapshot, and goes with it', async () => {
    const { open, mirror, fileOf } = await publishedRoot(1);
    const reader = await open();
    const old = reader.catalogMd5!;
    reader.firstScreen(300);
    await close(reader);
    expect(await readdir(mirror)).toContain(path.basename(fileOf(old)));

    // A star changes the catalog: its first screen says so, and no file is read or written for it.
    const starring = await open();
    await starring.star('e/p4.jpg');
    const starred = starring.firstScreen(300);
    expect(starred.photos.find((p) => p.path === 'e/p4.jpg')?.starred).toBe(true);
    await close(starring);
    const saved = (await open()).catalogMd5!;
    expect(saved).not.toBe(old);
    // Keeping one snapshot, the older one's first screen went with it.
    expect((await readdir(mirror)).filter((n) => n.endsWith('.first-screen.json'))).toEqual([]);
    const next = opened.at(-1)!;
    expect(next.firstScreen(300)).toEqual(starred);
    await close(next);
    expect((await readdir(mirror)).filter((n) => n.endsWith('.first-screen.json'))).toEqual([
      path.basename(fileOf(saved)),
    ]);
  });
});
