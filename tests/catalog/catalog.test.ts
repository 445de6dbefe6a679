import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import {
  type CatalogEventMap,
  type EnumerateOptions,
  openCatalog,
  PhotoCache,
  PhotolalaError,
  type RootSource,
  type SnapshotReadProgress,
} from '@photolala/core';
import { LOCK_FILE, md5Hex, POINTER_FILE, parsePointer, snapshotFileName } from '@photolala/core/internals';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { countingSource, FIXTURES, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened: open } = cleanupAfterEach();

async function makeRoot(count = 4): Promise<{ root: string; cacheDir: string }> {
  const root = await tempDir('root');
  const cacheDir = await tempDir('cache');
  cleanup.push(root, cacheDir);
  const files: Record<string, Buffer | string> = { 'notes.txt': 'not a photo', '.DS_Store': 'junk' };
  for (let i = 0; i < count; i++) files[`2024/0${(i % 3) + 1}/img_${i}.jpg`] = await syntheticJpeg(i);
  await writeTree(root, files);
  return { root, cacheDir };
}

async function openAt(root: string, cacheDir: string, readOnly = false) {
  const catalog = await openCatalog(await createLocalSource({ root, readOnly }), { cacheDir });
  open.push(catalog);
  return catalog;
}

const rootPointer = async (root: string) =>
  parsePointer(await readFile(path.join(root, POINTER_FILE), 'utf8'));
/** A snapshot's bytes with its generation (the header's user version, at offset 60) cleared. */
async function withoutGeneration(root: string, catalogMd5: string): Promise<Buffer> {
  const bytes = await readFile(path.join(root, snapshotFileName(catalogMd5)));
  bytes.writeUInt32BE(0, 60);
  return bytes;
}
const mirrorDir = (cacheDir: string, root: string) => new PhotoCache(cacheDir).mirrorDir(`file://${root}`);

describe('snapshots and pointers', () => {
  test('a first scan publishes one snapshot to the root and the mirror, named by its hash', async () => {
    const { root, cacheDir } = await makeRoot();
    const catalog = await openAt(root, cacheDir);
    expect(catalog.loadInfo.source).toBe('none');
    const result = await catalog.scan();
    expect(result.entries).toBe(5);
    expect(result.added).toHaveLength(5);
    expect(result.failed).toEqual([]);
    const pointer = await rootPointer(root);
    expect(pointer).toEqual([result.catalogMd5]);
    const bytes = await readFile(path.join(root, snapshotFileName(result.catalogMd5)));
    expect(md5Hex(bytes)).toBe(result.catalogMd5);
    const mirror = mirrorDir(cacheDir, root);
    expect(md5Hex(await readFile(path.join(mirror, snapshotFileName(result.catalogMd5))))).toBe(
      result.catalogMd5,
    );
    expect(parsePointer(await readFile(path.join(mirror, POINTER_FILE), 'utf8'))).toEqual([
      result.catalogMd5,
    ]);
    // The snapshot is a real SQLite catalog with the rows.
    const db = new Database(bytes);
    const rows = db.prepare('SELECT path, kind, status FROM entries ORDER BY path').all();
    expect(rows).toEqual([
      { path: '2024/01/img_0.jpg', kind: 'jpeg', status: 'ok' },
      { path: '2024/01/img_3.jpg', kind: 'jpeg', status: 'ok' },
      { path: '2024/02/img_1.jpg', kind: 'jpeg', status: 'ok' },
      { path: '2024/03/img_2.jpg', kind: 'jpeg', status: 'ok' },
      { path: 'notes.txt', kind: 'other', status: 'ok' },
    ]);
    expect(db.prepare('SELECT count(*) FROM metadata').pluck().get()).toBe(4);
    db.close();
    // No temp files are left anywhere.
    expect((await readdir(root)).filter((n) => n.includes('tmp'))).toEqual([]);
    // While the catalog is open its working database sits in the mirror too; closing removes it.
    expect((await readdir(mirror)).filter((n) => n.startsWith('.photolala-tmp-work-'))).toHaveLength(1);
    await catalog.close();
    expect((await readdir(mirror)).sort()).toEqual(
      // The verification record is written only for copies old enough to vouch for (none yet); the
      // lock file serializes the publishes of this machine's processes.
      [POINTER_FILE, LOCK_FILE, snapshotFileName(result.catalogMd5)].sort(),
    );
  });

  test('reopening loads the root snapshot without reading any photo', async () => {
    const { root, cacheDir } = await makeRoot();
    const first = await openAt(root, cacheDir);
    const built = await first.scan();
    await first.close();
    const source = countingSource(await createLocalSource({ root }));
    const again = await openCatalog(source, { cacheDir });
    open.push(again);
    expect(again.loadInfo).toMatchObject({ source: 'root', catalogMd5: built.catalogMd5 });
    expect(again.list().map((e) => e.path)).toEqual([...built.added].sort());
    expect(
      [...source.heads.keys(), ...source.fulls.keys()].filter((p) => !p.startsWith('.photolala')),
    ).toEqual([]);
    const page = again.list({ limit: 2 });
    expect(page.map((e) => e.path)).toEqual(['2024/01/img_0.jpg', '2024/01/img_3.jpg']);
    expect(again.list({ after: page[1]!.path, limit: 2 }).map((e) => e.path)).toEqual([
      '2024/02/img_1.jpg',
      '2024/03/img_2.jpg',
    ]);
    expect(again.list({ directory: '2024/01' }).map((e) => e.path)).toEqual([
      '2024/01/img_0.jpg',
      '2024/01/img_3.jpg',
    ]);
    expect(again.list({ kind: 'other' }).map((e) => e.path)).toEqual(['notes.txt']);
  });

  test('unchanged content writes no new snapshot, also after star then unstar', async () => {
    const { root, cacheDir } = await makeRoot();
    const catalog = await openAt(root, cacheDir);
    const first = await catalog.scan();
    const second = await catalog.scan();
    expect(second.catalogMd5).toBe(first.catalogMd5);
    expect(second.wroteNewSnapshot).toBe(false);
    expect(second.unchanged).toBe(5);
    await catalog.star('2024/01/img_0.jpg');
    const starred = await catalog.save();
    expect(starred).not.toBe(first.catalogMd5);
    expect((await rootPointer(root))[0]).toBe(starred);
    // A star and its unstar before a save change nothing: no new snapshot.
    await catalog.star('2024/02/img_1.jpg');
    await catalog.unstar('2024/02/img_1.jpg');
    expect(await catalog.save()).toBe(starred);
    // After a save, the unstar is a change of its own: the rows of the first snapshot again, but a
    // newer generation, so that it wins over the starred one wherever that is still named.
    await catalog.unstar('2024/01/img_0.jpg');
    const back = (await catalog.save())!;
    expect(back).not.toBe(first.catalogMd5);
    expect(await withoutGeneration(root, back)).toEqual(await withoutGeneration(root, first.catalogMd5));
    expect(await rootPointer(root)).toEqual([back, starred, first.catalogMd5]);
    const mirror = mirrorDir(cacheDir, root);
    expect(parsePointer(await readFile(path.join(mirror, POINTER_FILE), 'utf8'))).toEqual([
      back,
      starred,
      first.catalogMd5,
    ]);
  });

  test('onLoadProgress follows the read of the snapshot of the root into an empty mirror, byte by byte', async () => {
    const { root, cacheDir } = await makeRoot(30);
    const first = await (await openAt(root, cacheDir)).scan();
    const size = (await readFile(path.join(root, snapshotFileName(first.catalogMd5)))).length;
    const events: SnapshotReadProgress[] = [];
    const fresh = await tempDir('fresh-cache');
    cleanup.push(fresh);
    const catalog = await openCatalog(await createLocalSource({ root }), {
      cacheDir: fresh,
      onLoadProgress: (progress) => events.push(progress),
    });
    open.push(catalog);
    expect(catalog.loadInfo.source).toBe('root');
    expect(catalog.list()).toHaveLength(first.entries);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.store === 'root' && e.catalogMd5 === first.catalogMd5)).toBe(true);
    expect(events.every((e) => e.totalBytes === size)).toBe(true);
    expect(events[0]!.bytes).toBe(0);
    expect(events.at(-1)!.bytes).toBe(size);
    expect(events.every((e, i) => i === 0 || e.bytes >= events[i - 1]!.bytes)).toBe(true);
  });

  test('snapshot-progress follows the write of the snapshot to the root, up to its size', async () => {
    const { root, cacheDir } = await makeRoot(30);
    const catalog = await openAt(root, cacheDir);
    const events: CatalogEventMap['snapshot-progress'][] = [];
    catalog.events.on('snapshot-progress', (p) => events.push(p));
    const result = await catalog.scan();
    const size = (await readFile(path.join(root, snapshotFileName(result.catalogMd5)))).length;
    // The local root copies the file in the kernel and reports once, at the end.
    expect(events).toEqual([{ store: 'root', catalogMd5: result.catalogMd5, bytes: size, totalBytes: size }]);
    // Unchanged: nothing is written, nothing reported.
    await catalog.scan();
    expect(events).toHaveLength(1);
  });

  test('two catalogs of the same content are byte-identical', async () => {
    const { root, cacheDir } = await makeRoot();
    const a = await openAt(root, cacheDir);
    const one = await a.scan();
    // Add and remove a file, so the working database has a different history but the same rows.
    await writeFile(path.join(root, 'temp.jpg'), await syntheticJpeg(99));
    const two = await a.scan();
    expect(two.catalogMd5).not.toBe(one.catalogMd5);
    await rm(path.join(root, 'temp.jpg'));
    const three = await a.scan();
    // The same rows give the same bytes; only the generation (a later one) tells them apart.
    expect(three.catalogMd5).not.toBe(one.catalogMd5);
    expect(await withoutGeneration(root, three.catalogMd5)).toEqual(
      await withoutGeneration(root, one.catalogMd5),
    );
    // Reloading the snapshot and publishing it again gives the same bytes too.
    await a.close();
    const b = await openAt(root, cacheDir);
    const four = await b.scan();
    expect([four.catalogMd5, four.wroteNewSnapshot]).toEqual([three.catalogMd5, false]);
    const c = await openAt(root, cacheDir);
    await c.star('2024/02/img_1.jpg');
    await c.unstar('2024/02/img_1.jpg');
    expect(await c.save()).toBe(three.catalogMd5);
    // Only photos can be starred: sync could never upload a text file.
    await expect(c.star('notes.txt')).rejects.toThrow(/notes\.txt cannot be starred: it is not an image/);
    expect([c.get('notes.txt')?.starred, c.starQueue()]).toEqual([false, []]);
  });

  test('retention keeps the newest three snapshots and prunes older files', async () => {
    const { root, cacheDir } = await makeRoot(1);
    const catalog = await openAt(root, cacheDir);
    const md5s: string[] = [];
    for (let i = 0; i < 5; i++) {
      await writeFile(path.join(root, `extra_${i}.jpg`), await syntheticJpeg(100 + i));
      md5s.push((await catalog.scan()).catalogMd5);
    }
    const kept = md5s.slice(-3).reverse();
    expect(await rootPointer(root)).toEqual(kept);
    const snapshots = (await readdir(root)).filter((n) => n.endsWith('.sqlite')).sort();
    expect(snapshots).toEqual(kept.map(snapshotFileName).sort());
  });
});

describe('update detection', () => {
  test('added, removed, changed, moved and unchanged; unchanged files are not read', async () => {
    const { root, cacheDir } = await makeRoot(6);
    const first = await openAt(root, cacheDir);
    await first.scan();
    await first.star('2024/03/img_2.jpg');
    await first.close();

    await writeFile(path.join(root, 'new.jpg'), await syntheticJpeg(50));
    await rm(path.join(root, '2024/02/img_1.jpg'));
    await writeFile(path.join(root, '2024/01/img_0.jpg'), await syntheticJpeg(51));
    await rename(path.join(root, '2024/03/img_2.jpg'), path.join(root, 'moved.jpg'));

    const source = countingSource(await createLocalSource({ root }));
    const catalog = await openCatalog(source, { cacheDir });
    open.push(catalog);
    const result = await catalog.scan();
    expect(result.added).toEqual(['new.jpg']);
    expect(result.removed).toEqual(['2024/02/img_1.jpg']);
    expect(result.changed).toEqual(['2024/01/img_0.jpg']);
    expect(result.moved).toEqual([{ from: '2024/03/img_2.jpg', to: 'moved.jpg' }]);
    expect(result.unchanged).toBe(4);
    expect(result.digested).toBe(2);
    // Unchanged files: no head read, no full read. The moved file: a head read only, no re-render.
    for (const p of ['2024/01/img_3.jpg', '2024/03/img_5.jpg', '2024/02/img_4.jpg', 'notes.txt']) {
      expect([p, source.heads.get(p) ?? 0, source.fulls.get(p) ?? 0]).toEqual([p, 0, 0]);
    }
    // A rescan never asks the source to read heads along with its listing.
    expect(source.askedHeadBytes).toEqual([undefined]);
    expect(source.listedHeads.size).toBe(0);
    expect(source.fulls.get('moved.jpg') ?? 0).toBe(0);
    // Three photos opened once each, by their heads alone (4 KiB or less, so the head is the whole
    // file): the new one, the changed one and the moved one. Everything else read is the catalog's.
    expect(Object.fromEntries(source.heads)).toEqual({
      'new.jpg': 1,
      '2024/01/img_0.jpg': 1,
      'moved.jpg': 1,
    });
    const catalogReads = [...source.fulls].filter(([p]) => p.startsWith('.photolala.'));
    expect(catalogReads.length).toBe(source.fulls.size);
    expect(source.opened()).toBe(3 + catalogReads.reduce((sum, [, reads]) => sum + reads, 0));
    // The moved photo keeps its digest and its star.
    const moved = catalog.get('moved.jpg');
    expect(moved).toMatchObject({
      starred: true,
      photoMd5: md5Hex(await readFile(path.join(root, 'moved.jpg'))),
    });
    expect(catalog.get('2024/03/img_2.jpg')).toBeUndefined();
    // `full` re-reads every head but finds nothing new.
    const full = await catalog.scan({ full: true });
    expect([full.added, full.removed, full.changed, full.moved, full.unchanged]).toEqual([[], [], [], [], 7]);
    // Every head read once, here along with the listing.
    expect(source.askedHeadBytes).toEqual([undefined, 4096]);
    expect(
      (source.heads.get('2024/01/img_3.jpg') ?? 0) + (source.listedHeads.get('2024/01/img_3.jpg') ?? 0),
    ).toBe(1);
  });

  test('a first scan reads every head along with the listing, and falls back to readHead for a head that does not fit', async () => {
    const { root, cacheDir } = await makeRoot(6);
    const counted = countingSource(await createLocalSource({ root }));
    // A source whose listing gets one head wrong (too short): the plan must not trust it.
    const source = Object.assign(Object.create(counted) as RootSource, {
      async *enumerate(options?: EnumerateOptions) {
        for await (const entry of counted.enumerate(options)) {
          if (entry.path === '2024/02/img_1.jpg' && entry.head) entry.head = entry.head.subarray(0, 100);
          yield entry;
        }
      },
    });
    const catalog = await openCatalog(source, { cacheDir });
    open.push(catalog);
    const result = await catalog.scan();
    expect(result.added).toHaveLength(7);
    expect(counted.askedHeadBytes).toEqual([4096]);
    // 7 files listed with heads; only the mangled one read again.
    expect([...counted.listedHeads.keys()].sort()).toHaveLength(7);
    expect([...counted.heads.keys()]).toEqual(['2024/02/img_1.jpg']);
    for (const entry of catalog.list()) {
      const bytes = await readFile(path.join(root, entry.path));
      expect(entry.fastPhotoKey, entry.path).toBe(`${md5Hex(bytes.subarray(0, 4096))}:${bytes.length}`);
    }
  });

  test('a known file deleted between its listing and its head read is reported removed, and a new one is left out', async () => {
    const { root, cacheDir } = await makeRoot(4);
    const first = await openAt(root, cacheDir);
    await first.scan();
    await first.close();
    // Both need a head read: one was rewritten since the catalog saw it, the other is new.
    await writeFile(path.join(root, '2024/01/img_0.jpg'), await syntheticJpeg(9));
    await writeFile(path.join(root, '2024/01/new.jpg'), await syntheticJpeg(10));
    const local = await createLocalSource({ root });
    // Each vanishes after the listing, just before its head is read.
    const source = Object.assign(Object.create(local) as RootSource, {
      async readHead(p: string, bytes: number) {
        if (p === '2024/01/img_0.jpg' || p === '2024/01/new.jpg') await rm(path.join(root, p));
        return local.readHead(p, bytes);
      },
    });
    const catalog = await openCatalog(source, { cacheDir });
    open.push(catalog);
    const result = await catalog.scan();
    expect(result.removed).toEqual(['2024/01/img_0.jpg']);
    expect(result.added).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(catalog.get('2024/01/img_0.jpg')).toBeUndefined();
    expect(catalog.get('2024/01/new.jpg')).toBeUndefined();
    expect(catalog.count()).toBe(result.entries);
  });

  test('a listed path the rules refuse is reported as failed, never read, never stored', async () => {
    const { root, cacheDir } = await makeRoot(1);
    // A real local file whose name holds a newline, and two paths a broken backend might list.
    const photo = await syntheticJpeg(11);
    await writeTree(root, { 'new\nline.jpg': photo, 'twin.jpg': photo });
    const local = await createLocalSource({ root });
    const counting = countingSource(
      Object.assign(Object.create(local) as RootSource, {
        async *enumerate(options?: EnumerateOptions) {
          yield* local.enumerate(options);
          yield { path: '../escape.jpg', size: photo.length, mtimeMs: 0 };
          yield { path: 'cafe\u0301.jpg', size: photo.length, mtimeMs: 0 };
        },
      }),
    );
    const catalog = await openCatalog(counting, { cacheDir });
    open.push(catalog);
    const result = await catalog.scan();
    expect(result.failed).toEqual([
      { path: '../escape.jpg', reason: 'INVALID_PATH: invalid path "../escape.jpg": ".." segment' },
      {
        path: 'cafe\u0301.jpg',
        reason: 'INVALID_PATH: path "cafe\u0301.jpg" is not in NFC, as listings must be',
      },
      { path: 'new\nline.jpg', reason: 'INVALID_PATH: invalid path "new\\nline.jpg": control character' },
    ]);
    // twin.jpg has the same bytes as the refused file: it is cataloged, and only under its own name.
    expect(result.added).toEqual(['2024/01/img_0.jpg', 'notes.txt', 'twin.jpg']);
    expect(catalog.list().map((e) => e.path)).toEqual(['2024/01/img_0.jpg', 'notes.txt', 'twin.jpg']);
    // The catalog asked for none of them (the local source reads heads along with its listing,
    // which is its own business).
    for (const bad of ['../escape.jpg', 'cafe\u0301.jpg', 'new\nline.jpg']) {
      expect([counting.heads.get(bad), counting.fulls.get(bad)], bad).toEqual([undefined, undefined]);
    }
  });

  test('a scan stopped during the digest saves what is done, and the next scan does only the rest', async () => {
    const { root, cacheDir } = await makeRoot(12);
    const first = await openAt(root, cacheDir);
    const controller = new AbortController();
    first.events.on('progress', (p) => {
      if (p.phase === 'digest' && p.digested >= 3) controller.abort();
    });
    const stopped = await first.scan({ signal: controller.signal });
    const done = stopped.added.filter((p) => p.endsWith('.jpg'));
    // Those in progress when the signal came finish: at most the concurrency plus one more.
    expect(done.length).toBeGreaterThanOrEqual(3);
    // notes.txt is not an image but is new too: 13 files to add in all.
    expect(stopped.interrupted?.remaining).toBe(13 - stopped.added.length);
    expect(stopped.digested).toBe(done.length);
    const saved = first.list();
    expect(saved.filter((e) => e.kind === 'jpeg').map((e) => e.path)).toEqual(done);
    expect(saved.every((e) => e.kind !== 'jpeg' || /^[0-9a-f]{32}$/.test(e.photoMd5 ?? ''))).toBe(true);
    expect((await rootPointer(root))[0]).toBe(stopped.catalogMd5);
    await first.close();

    const counting = countingSource(await createLocalSource({ root }));
    const second = await openCatalog(counting, { cacheDir });
    open.push(second);
    expect(second.loadInfo.source).toBe('root');
    const rest = await second.scan();
    expect(rest.interrupted).toBeUndefined();
    expect(rest.added.length).toBe(stopped.interrupted?.remaining);
    expect(rest.added.some((p) => done.includes(p))).toBe(false);
    // Only the rest was opened: the photos saved by the stopped scan were not read again.
    const opened = new Set([
      ...counting.heads.keys(),
      ...counting.listedHeads.keys(),
      ...counting.fulls.keys(),
    ]);
    expect([...opened].filter((p) => !p.startsWith('.photolala.')).sort()).toEqual(rest.added);
    expect(second.count()).toBe(13);
  });

  test('a scan stopped during discovery saves nothing and rejects with the reason', async () => {
    const { root, cacheDir } = await makeRoot(3);
    const catalog = await openAt(root, cacheDir);
    const controller = new AbortController();
    catalog.events.on('progress', (p) => {
      if (p.phase === 'discover') controller.abort(new Error('stopped by the test'));
    });
    const local = await createLocalSource({ root });
    // The listing yields one file, then the signal fires: the rest of the root is never listed.
    const source = Object.assign(Object.create(local) as RootSource, {
      async *enumerate(options?: EnumerateOptions) {
        for await (const entry of local.enumerate(options)) {
          yield entry;
          controller.abort(new Error('stopped by the test'));
        }
      },
    });
    const stoppedEarly = await openCatalog(source, { cacheDir });
    open.push(stoppedEarly);
    await expect(stoppedEarly.scan({ signal: controller.signal })).rejects.toThrow('stopped by the test');
    expect(stoppedEarly.count()).toBe(0);
    expect(existsSync(path.join(root, POINTER_FILE))).toBe(false);
    expect(catalog.count()).toBe(0);
  });

  test('a cache put inside the root is left out of its catalog, so a rescan does not catalog thumbnails', async () => {
    const photos = ['2024/01/img_0.jpg', '2024/02/img_1.jpg', 'notes.txt'];
    // In a visible folder of the root, and the root itself as the cache.
    for (const inside of ['photolala-cache', '']) {
      const { root } = await makeRoot(2);
      const cacheDir = path.join(root, inside);
      for (let scan = 0; scan < 2; scan++) {
        const catalog = await openAt(root, cacheDir);
        const result = await catalog.scan();
        expect(
          catalog.list().map((e) => e.path),
          `${cacheDir}, scan ${scan + 1}`,
        ).toEqual(photos);
        expect(result.added).toEqual(scan === 0 ? photos : []);
        await catalog.close();
      }
      expect(
        existsSync(new PhotoCache(cacheDir).pathsFor('local', md5Hex(await syntheticJpeg(0))).thumbnail),
      ).toBe(true);
    }
  });

  test("an application's store inside the root (a Photos library, Lightroom previews) is skipped with its reason", async () => {
    const { root, cacheDir } = await makeRoot(1);
    const photo = await syntheticJpeg(21);
    await writeTree(root, {
      'Photos Library.photoslibrary/originals/A/IMG_1.jpg': photo,
      'Photos Library.photoslibrary/resources/derivatives/masters/A/IMG_1_4_5005_c.jpeg': photo,
      'Lightroom Catalog Previews.lrdata/0/00/preview.jpg': photo,
      'old/Trip.PhotosLibrary/x.jpg': photo,
    });
    const catalog = await openAt(root, cacheDir);
    const result = await catalog.scan();
    expect(catalog.list().map((e) => e.path)).toEqual(['2024/01/img_0.jpg', 'notes.txt']);
    expect(result.skipped.map((s) => s.path).sort()).toEqual([
      'Lightroom Catalog Previews.lrdata',
      'Photos Library.photoslibrary',
      'old/Trip.PhotosLibrary',
    ]);
    expect(result.skipped.find((s) => s.path === 'Photos Library.photoslibrary')?.reason).toBe(
      'an Apple Photos library: catalog it as a root of its own (photolala scan LIBRARY)',
    );
  });

  test('a touched file with the same content is unchanged, and failures are recorded with reasons', async () => {
    const { root, cacheDir } = await makeRoot(1);
    const bytes = await readFile(path.join(FIXTURES, 'DSCN0010.jpg'));
    await writeTree(root, { 'broken.jpg': bytes.subarray(0, 5000), 'fake.jpg': 'plain text' });
    const catalog = await openAt(root, cacheDir);
    const result = await catalog.scan();
    // fake.jpg: its name says image, its bytes are text (issue 20, item 9), so it fails too.
    expect(result.failed.map((f) => f.path)).toEqual(['broken.jpg', 'fake.jpg']);
    expect(result.failed[1]!.reason).toBe(
      'CORRUPT: not an image: 10 bytes, too short for a JPEG header, though its name says .jpg',
    );
    // One line: libvips repeats its messages on further lines, which would break the CLI's report.
    expect(result.failed[0]!.reason).toMatch(
      /^CORRUPT: cannot (read image header|decode image): [^\n]*premature end of JPEG image$/i,
    );
    expect(catalog.get('broken.jpg')).toMatchObject({ status: 'failed', photoMd5: null, kind: 'jpeg' });
    expect(catalog.get('fake.jpg')).toMatchObject({ status: 'failed', kind: 'other', photoMd5: null });
    const now = new Date();
    const { utimes } = await import('node:fs/promises');
    await utimes(path.join(root, '2024/01/img_0.jpg'), now, new Date(now.getTime() + 5000));
    const again = await catalog.scan();
    expect([again.changed, again.added, again.unchanged]).toEqual([[], [], 4]);
    // Reported again from its row, without a read.
    expect(again.failed.map((f) => f.path)).toEqual(['broken.jpg', 'fake.jpg']);
  });

  test('a rescan tries again a file whose head or digest failed for a passing reason, though its stat is unchanged', async () => {
    const { root, cacheDir } = await makeRoot(3);
    // Over 4 KiB, so its digest reads the whole file rather than reusing the head.
    await writeTree(root, { '2024/02/big.jpg': await syntheticJpeg(9, 640, 480) });
    const plain = await createLocalSource({ root });
    const unavailable = (path: string) =>
      new PhotolalaError('UNAVAILABLE', 'server went away', { backend: 'test', path });
    // First scan: one head read fails (its listed head dropped), one photo's full read fails.
    const flaky = Object.assign(Object.create(plain) as RootSource, {
      async *enumerate(options?: EnumerateOptions) {
        for await (const entry of plain.enumerate(options)) {
          if (entry.path === '2024/01/img_0.jpg') delete entry.head;
          yield entry;
        }
      },
      readHead: async (path: string, bytes: number) => {
        if (path === '2024/01/img_0.jpg') throw unavailable(path);
        return plain.readHead(path, bytes);
      },
      readAll: async (path: string) => {
        if (path === '2024/02/big.jpg') throw unavailable(path);
        return plain.readAll(path);
      },
    });
    const first = await openCatalog(flaky, { cacheDir });
    const result = await first.scan();
    expect(result.failed.map((f) => f.path).sort()).toEqual(['2024/01/img_0.jpg', '2024/02/big.jpg']);
    expect(first.get('2024/01/img_0.jpg')).toMatchObject({ status: 'failed', fastPhotoKey: '' });
    await first.close();

    const source = countingSource(await createLocalSource({ root }));
    const catalog = await openCatalog(source, { cacheDir });
    open.push(catalog);
    const again = await catalog.scan();
    expect(again.failed).toEqual([]);
    expect(source.heads.has('2024/01/img_0.jpg')).toBe(true);
    expect(source.fulls.has('2024/02/big.jpg')).toBe(true);
    // The healthy photo is not opened at all.
    expect([source.heads.has('2024/03/img_2.jpg'), source.fulls.has('2024/03/img_2.jpg')]).toEqual([
      false,
      false,
    ]);
    for (const p of ['2024/01/img_0.jpg', '2024/02/big.jpg']) {
      expect(catalog.get(p)).toMatchObject({
        status: 'ok',
        photoMd5: md5Hex(await readFile(path.join(root, p))),
      });
    }
  });
});

describe('browser API', () => {
  test('thumbnail and metadata by path, key, md5; regenerated when missing; star queue', async () => {
    const { root, cacheDir } = await makeRoot(2);
    await copyFile(path.join(FIXTURES, 'DSCN0010.jpg'), path.join(root, 'gps.jpg'));
    const catalog = await openAt(root, cacheDir);
    const events: Partial<Record<keyof CatalogEventMap, number>> = {};
    for (const name of [
      'progress',
      'thumbnail-ready',
      'snapshot-written',
      'star-changed',
      'entries-added',
    ] as const) {
      catalog.events.on(name, () => {
        events[name] = (events[name] ?? 0) + 1;
      });
    }
    await catalog.scan();
    const entry = catalog.get('gps.jpg')!;
    const md5 = md5Hex(await readFile(path.join(root, 'gps.jpg')));
    expect(entry.photoMd5).toBe(md5);
    expect(catalog.get(md5)?.path).toBe('gps.jpg');
    expect(catalog.get(entry.fastPhotoKey)?.path).toBe('gps.jpg');
    const thumb = await catalog.thumbnail('gps.jpg');
    expect(thumb).toBe(path.join(cacheDir, 'local', 'thumbnails', md5.slice(0, 2), `${md5}.jpg`));
    const before = await readFile(thumb);
    await rm(thumb);
    expect(await catalog.thumbnail(md5)).toBe(thumb);
    expect(md5Hex(await readFile(thumb))).toBe(md5Hex(before));
    // A lost metadata document is restored from the catalog without reading the photo.
    const metaPath = await catalog.metadata(entry.fastPhotoKey);
    const doc = JSON.parse(await readFile(metaPath, 'utf8'));
    await rm(metaPath);
    await rm(path.join(root, 'gps.jpg'));
    expect(await catalog.metadata('gps.jpg')).toBe(metaPath);
    expect(JSON.parse(await readFile(metaPath, 'utf8'))).toEqual(doc);
    expect(doc.gps.latitude).toBeCloseTo(43.467448, 6);
    await expect(catalog.thumbnail('notes.txt')).rejects.toThrow(/not an image/);
    await expect(catalog.thumbnail('nope.jpg')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await catalog.star('2024/01/img_0.jpg');
    await catalog.star('2024/02/img_1.jpg');
    await catalog.unstar('2024/01/img_0.jpg');
    expect(catalog.list({ starred: true }).map((e) => e.path)).toEqual(['2024/02/img_1.jpg']);
    expect(catalog.starQueue().map((q) => [q.operation, q.path, q.state])).toEqual([
      ['star', '2024/02/img_1.jpg', 'pending'],
    ]);
    await catalog.close();
    // The queue survives a reload and a rescan.
    const again = await openAt(root, cacheDir);
    await again.scan();
    expect(again.starQueue().map((q) => q.path)).toEqual(['2024/02/img_1.jpg']);
    expect(again.get('2024/02/img_1.jpg')?.starred).toBe(true);
    expect(events['thumbnail-ready']).toBeGreaterThanOrEqual(3);
    expect(events['star-changed']).toBe(3);
    expect(events['entries-added']).toBe(1);
    expect(events['snapshot-written']).toBeGreaterThanOrEqual(2);
    expect(events.progress).toBeGreaterThanOrEqual(3);
  });

  test('events can be consumed as an async iterator', async () => {
    const { root, cacheDir } = await makeRoot(2);
    const catalog = await openAt(root, cacheDir);
    const controller = new AbortController();
    const seen: string[] = [];
    const consumer = (async () => {
      for await (const event of catalog.events.iterate('thumbnail-ready', controller.signal))
        seen.push(event.path);
    })();
    await catalog.scan();
    controller.abort();
    await consumer;
    expect(seen.sort()).toEqual(['2024/01/img_0.jpg', '2024/02/img_1.jpg']);
  });
});
