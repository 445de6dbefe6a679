import { createHash } from 'node:crypto';
import { readFile, utimes } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { type Gallery, startGallery } from '@photolala/gallery';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();
let gallery: Gallery | undefined;
afterEach(async () => {
  await gallery?.close();
  gallery = undefined;
});

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

/** A scanned root of three photos (one in a folder, one HEIC) and its gallery. */
async function served(options: { host?: string; token?: string } = {}) {
  const root = await tempDir('gallery');
  const cacheDir = await tempDir('gallery-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, {
    'a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
    'trip/b.jpg': await syntheticJpeg(2),
    'phone.heic': await readFile(path.join(FIXTURES, 'iphone_13_pro_max.HEIC')),
    'notes.txt': 'not a photo',
  });
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  await catalog.scan();
  gallery = await startGallery({ catalogs: [catalog], port: 0, ...options });
  const base = `http://127.0.0.1:${gallery.port}`;
  const rows = (
    (await (await fetch(`${base}/api/photos`)).json()) as { rows: [number, number, string, string, number][] }
  ).rows;
  const byName = (name: string) => {
    const row = rows.find((r) => r[3] === name);
    if (!row) throw new Error(`no ${name} in ${JSON.stringify(rows)}`);
    return { root: row[0], id: row[1], md5: row[2] };
  };
  return { root, cacheDir, catalog, base, rows, byName };
}

/** A raw HTTP GET, for headers fetch() will not send (Host) or paths it would normalise (`..`). */
function rawGet(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += String(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gallery server', () => {
  it('lists photos newest first in month buckets, and no file that is not a photo', async () => {
    const { base, rows } = await served();
    expect(rows.map((r) => r[3]).sort()).toEqual(['a.jpg', 'b.jpg', 'phone.heic']);
    const view = (await (await fetch(`${base}/api/view`)).json()) as {
      total: number;
      months: { month: string }[];
    };
    expect(view.total).toBe(3);
    const months = view.months.map((m) => m.month);
    expect(months).toEqual([...months].sort().reverse());
    expect(months).toContain('2008-05'); // Canon_40D.jpg's DateTimeOriginal
    const folders = (await (await fetch(`${base}/api/folders`)).json()) as { folders: { path: string }[] };
    expect(folders.folders.map((f) => f.path)).toEqual(['trip']);
    const trip = (await (await fetch(`${base}/api/photos?folder=trip`)).json()) as { rows: unknown[][] };
    expect(trip.rows.map((r) => r[3])).toEqual(['b.jpg']);
    const search = (await (await fetch(`${base}/api/photos?q=PHONE`)).json()) as { rows: unknown[][] };
    expect(search.rows.map((r) => r[3])).toEqual(['phone.heic']);
  });

  it('carries in its page the same first screen as the built view, before building it', async () => {
    const root = await tempDir('gallery-first');
    const cacheDir = await tempDir('gallery-first-cache');
    cleanup.push(root, cacheDir);
    const tree: Record<string, Uint8Array | string> = {
      'camera/a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
      'notes.txt': 'not a photo',
      'broken.jpg': 'not a JPEG at all',
    };
    for (let i = 0; i < 8; i++) tree[`days/p${i}.jpg`] = await syntheticJpeg(10 + i);
    await writeTree(root, tree);
    // Eight photos over four months, two to a month, one pair with the same mtime (ordered by path).
    for (let i = 0; i < 8; i++) {
      const when = new Date(Date.UTC(2021, Math.floor(i / 2), 10 + (i % 2 === 0 ? 0 : i)));
      await utimes(path.join(root, `days/p${i}.jpg`), when, i === 7 ? new Date(Date.UTC(2021, 3, 10)) : when);
    }
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    await catalog.star('days/p3.jpg');
    gallery = await startGallery({ catalogs: [catalog], port: 0 });
    const base = `http://127.0.0.1:${gallery.port}`;
    const html = await (await fetch(`${base}/`)).text();
    const inline = /<script type="application\/json" id="first-screen">(.*?)<\/script>/s.exec(html)?.[1];
    expect(inline).toBeDefined();
    const first = JSON.parse(inline!) as { total: number; months: unknown[]; rows: unknown[][] };
    const view = (await (await fetch(`${base}/api/view`)).json()) as { total: number; months: unknown[] };
    const page = (await (await fetch(`${base}/api/photos?limit=300`)).json()) as { rows: unknown[][] };
    expect(first.total).toBe(9);
    expect(first.months).toEqual(view.months);
    expect(first.rows).toEqual(page.rows);
    expect(first.rows.find((r) => r[3] === 'p3.jpg')?.[4]).toBe(1);
    // The ids it handed out name the same photos once the timeline is built.
    for (const row of first.rows) {
      const photo = (await (await fetch(`${base}/api/roots/0/photos/${row[1]}`)).json()) as { md5: string };
      expect(photo.md5).toBe(row[2]);
    }
  });

  it("answers each month's first rows, the same as the pages give at those places", async () => {
    const root = await tempDir('gallery-starts');
    const cacheDir = await tempDir('gallery-starts-cache');
    cleanup.push(root, cacheDir);
    const tree: Record<string, Uint8Array> = {};
    for (let i = 0; i < 9; i++) tree[`p${i}.jpg`] = await syntheticJpeg(30 + i);
    await writeTree(root, tree);
    // Three months: five photos, three, one.
    const monthOf = [0, 0, 0, 0, 0, 1, 1, 1, 2];
    for (let i = 0; i < 9; i++) {
      const when = new Date(Date.UTC(2022, monthOf[i]!, 1 + i));
      await utimes(path.join(root, `p${i}.jpg`), when, when);
    }
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    gallery = await startGallery({ catalogs: [catalog], port: 0 });
    const base = `http://127.0.0.1:${gallery.port}`;
    const { rows } = (await (await fetch(`${base}/api/photos`)).json()) as { rows: unknown[][] };
    const answer = (await (await fetch(`${base}/api/starts?count=2`)).json()) as {
      total: number;
      starts: [number, unknown[][]][];
    };
    expect(answer.total).toBe(9);
    // Newest month first: March (one photo), February (three), January (five).
    expect(answer.starts.map(([first, start]) => [first, start.length])).toEqual([
      [0, 1],
      [1, 2],
      [4, 2],
    ]);
    for (const [first, start] of answer.starts)
      expect(start).toEqual(rows.slice(first, first + start.length));
    expect(answer.starts[2]![1].map((r) => r[3])).toEqual(['p4.jpg', 'p3.jpg']);
    // Narrowed like the view: a search leaves the months it matches.
    const search = (await (await fetch(`${base}/api/starts?count=5&q=p8`)).json()) as {
      starts: [number, unknown[][]][];
    };
    expect(search.starts.map(([first, start]) => [first, start.map((r) => r[3])])).toEqual([[0, ['p8.jpg']]]);
  });

  it('answers month starts and folders before building the timeline, as the built timeline gives them', async () => {
    const root = await tempDir('gallery-early');
    const cacheDir = await tempDir('gallery-early-cache');
    cleanup.push(root, cacheDir);
    const tree: Record<string, Uint8Array | string> = {
      'camera/a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
      'notes/readme.txt': 'not a photo',
    };
    // Three months over two folders and the root; two photos of one time (ordered by path).
    const times: [string, Date][] = [
      ['x/p0.jpg', new Date(Date.UTC(2022, 0, 3))],
      ['x/p1.jpg', new Date(Date.UTC(2022, 0, 9))],
      ['x/y/p2.jpg', new Date(Date.UTC(2022, 0, 9))],
      ['p3.jpg', new Date(Date.UTC(2022, 0, 20))],
      ['x/y/p4.jpg', new Date(Date.UTC(2022, 1, 1))],
      ['p5.jpg', new Date(Date.UTC(2022, 1, 27))],
      ['x/p6.jpg', new Date(Date.UTC(2022, 2, 5))],
    ];
    for (const [i, [name]] of times.entries()) tree[name] = await syntheticJpeg(50 + i);
    await writeTree(root, tree);
    for (const [name, when] of times) await utimes(path.join(root, name), when, when);
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    // Counts the listings the gallery reads: one is the timeline's build.
    let listings = 0;
    const list = catalog.list.bind(catalog);
    catalog.list = (options) => {
      listings++;
      return list(options);
    };
    gallery = await startGallery({ catalogs: [catalog], port: 0 });
    const base = `http://127.0.0.1:${gallery.port}`;
    type Starts = { total: number; starts: [number, unknown[][]][]; ends: [number, unknown[][]][] };
    type Folders = { folders: { path: string; count: number }[] };
    const early = (await (await fetch(`${base}/api/starts?count=2&tail=2`)).json()) as Starts;
    const earlyFolders = (await (await fetch(`${base}/api/folders`)).json()) as Folders;
    // Asked for as a prefetch (answered once the server is idle): the same answer.
    expect(await (await fetch(`${base}/api/folders?quiet=1`)).json()).toEqual(earlyFolders);
    expect(listings).toBe(0);
    // Pages too, by SQL; then the view builds the timeline, whose pages are the same.
    const { rows } = (await (await fetch(`${base}/api/photos`)).json()) as { rows: unknown[][] };
    expect(listings).toBe(0);
    await fetch(`${base}/api/view`);
    expect(listings).toBe(1);
    expect(((await (await fetch(`${base}/api/photos`)).json()) as { rows: unknown[][] }).rows).toEqual(rows);
    expect(early.total).toBe(8);
    // March (one photo), February (two), January (four); May 2008 by the Canon's EXIF date.
    expect(early.starts.map(([first, start]) => [first, start.length])).toEqual([
      [0, 1],
      [1, 2],
      [3, 2],
      [7, 1],
    ]);
    // And each month's last rows: what shows above the next month's start, and at the timeline's end.
    expect(early.ends.map(([first, end]) => [first, end.length])).toEqual([
      [0, 1],
      [1, 2],
      [5, 2],
      [7, 1],
    ]);
    for (const [first, start] of [...early.starts, ...early.ends])
      expect(start).toEqual(rows.slice(first, first + start.length));
    expect(early.starts[2]![1].map((r) => r[3])).toEqual(['p3.jpg', 'p1.jpg']);
    // The built timeline answers the same.
    expect(await (await fetch(`${base}/api/starts?count=2&tail=2`)).json()).toEqual(early);
    expect(earlyFolders.folders).toEqual([
      { path: 'camera', count: 1 },
      { path: 'x', count: 5 },
      { path: 'x/y', count: 2 },
    ]);
    // A star makes the folders counted again, from the built timeline now: the same counts.
    const p5 = rows.find((r) => r[3] === 'p5.jpg')!;
    const starred = await fetch(`${base}/api/roots/0/photos/${p5[1]}/star`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-photolala-token': gallery.token },
      body: JSON.stringify({ starred: true }),
    });
    expect(starred.status).toBe(200);
    expect(((await (await fetch(`${base}/api/folders`)).json()) as Folders).folders).toEqual(
      earlyFolders.folders,
    );
  });

  it('serves thumbnails by photo-md5, immutable, and made again when missing from the cache', async () => {
    const { base, byName, catalog } = await served();
    const a = byName('a.jpg');
    const file = await catalog.thumbnail(a.md5);
    const { rm } = await import('node:fs/promises');
    await rm(file);
    const response = await fetch(`${base}/api/roots/0/thumbnails/${a.md5}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(`"${a.md5}"`);
    expect(response.headers.get('cache-control')).toContain('immutable');
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 256, 256]);
    const again = await fetch(`${base}/api/roots/0/thumbnails/${a.md5}`, {
      headers: { 'If-None-Match': `"${a.md5}"` },
    });
    expect(again.status).toBe(304);
  });

  it("answers a screen's rows with their cached thumbnails in one response, the bytes each thumbnail's URL serves", async () => {
    const { base, rows, byName, catalog } = await served();
    // One thumbnail missing from the cache: the screen leaves it to its own URL (which makes it).
    const { rm } = await import('node:fs/promises');
    await rm(await catalog.thumbnail(byName('b.jpg').md5));
    const response = await fetch(`${base}/api/screen?offset=0&limit=5`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const body = Buffer.from(await response.arrayBuffer());
    const length = body.readUInt32BE(0);
    const answer = JSON.parse(body.subarray(4, 4 + length).toString('utf8')) as {
      offset: number;
      total: number;
      rows: [number, number, string, string, number][];
      sizes: number[];
    };
    expect(answer.offset).toBe(0);
    expect(answer.total).toBe(rows.length);
    expect(answer.rows).toEqual(rows);
    expect(answer.sizes).toHaveLength(answer.rows.length);
    let at = 4 + length;
    for (const [i, [, , photoMd5, name]] of answer.rows.entries()) {
      const size = answer.sizes[i]!;
      if (name === 'b.jpg') expect(size).toBe(0);
      else {
        const own = Buffer.from(
          await (await fetch(`${base}/api/roots/0/thumbnails/${photoMd5}`)).arrayBuffer(),
        );
        expect(size).toBeGreaterThan(0);
        expect(md5(body.subarray(at, at + size))).toBe(md5(own));
      }
      at += size;
    }
    expect(at).toBe(body.length);
    // From an offset, as the pages give it.
    const later = Buffer.from(await (await fetch(`${base}/api/screen?offset=1&limit=1`)).arrayBuffer());
    expect(JSON.parse(later.subarray(4, 4 + later.readUInt32BE(0)).toString('utf8')).rows).toEqual(
      rows.slice(1, 2),
    );
    // Like every request, refused with a foreign Host.
    expect(
      (await rawGet(gallery!.port, '/api/screen?offset=0&limit=5', { Host: 'evil.example:80' })).status,
    ).toBe(403);
  });

  it('streams a JPEG original with Range, and renders a HEIC to a cached JPEG', async () => {
    const { base, byName, root } = await served();
    const original = await readFile(path.join(root, 'a.jpg'));
    const whole = Buffer.from(
      await (await fetch(`${base}/api/roots/0/previews/${byName('a.jpg').md5}`)).arrayBuffer(),
    );
    expect(md5(whole)).toBe(md5(original));
    const part = await fetch(`${base}/api/roots/0/previews/${byName('a.jpg').md5}`, {
      headers: { Range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${original.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(original.subarray(100, 200));
    const tail = await fetch(`${base}/api/roots/0/previews/${byName('a.jpg').md5}`, {
      headers: { Range: 'bytes=-10' },
    });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(original.subarray(original.length - 10));
    const beyond = await fetch(`${base}/api/roots/0/previews/${byName('a.jpg').md5}`, {
      headers: { Range: `bytes=${original.length}-` },
    });
    expect(beyond.status).toBe(416);
    const heic = await fetch(`${base}/api/roots/0/previews/${byName('phone.heic').md5}`);
    expect(heic.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await heic.arrayBuffer())).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(2048);
  });

  it('answers a photo with its metadata document', async () => {
    const { base, byName } = await served();
    const a = byName('a.jpg');
    const detail = (await (await fetch(`${base}/api/roots/0/photos/${a.id}`)).json()) as {
      path: string;
      metadata: { model: string; takenAt: string };
    };
    expect(detail.path).toBe('a.jpg');
    expect(detail.metadata.model).toBe('Canon EOS 40D');
    expect(detail.metadata.takenAt).toMatch(/^2008-05-30T15:56:01/);
    const doc = (await (await fetch(`${base}/api/roots/0/photos/${a.id}/metadata`)).json()) as {
      photoMd5: string;
    };
    expect(doc.photoMd5).toBe(a.md5);
  });

  it('stars through the catalog only with the token, and saves the star to a snapshot', async () => {
    const { base, byName, catalog } = await served();
    const b = byName('b.jpg');
    const star = (headers: Record<string, string>) =>
      fetch(`${base}/api/roots/0/photos/${b.id}/star`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ starred: true }),
      });
    expect((await star({})).status).toBe(403);
    expect((await star({ 'X-Photolala-Token': 'wrong' })).status).toBe(403);
    expect(catalog.get('trip/b.jpg')?.starred).toBe(false);
    expect(catalog.starQueue()).toEqual([]);
    const snapshotBefore = catalog.catalogMd5;
    const ok = await star({ 'X-Photolala-Token': gallery!.token });
    expect(ok.status).toBe(200);
    expect(catalog.get('trip/b.jpg')?.starred).toBe(true);
    expect(catalog.starQueue().map((q) => [q.operation, q.path])).toEqual([['star', 'trip/b.jpg']]);
    await gallery!.close();
    gallery = undefined;
    expect(catalog.catalogMd5).not.toBe(snapshotBefore);
  });

  it('refuses a foreign Host, ../ paths, unknown ids and unknown files', async () => {
    const { base, byName } = await served();
    const port = gallery!.port;
    expect((await rawGet(port, '/api/roots', { Host: 'evil.example:80' })).status).toBe(403);
    expect((await rawGet(port, '/api/roots', { Host: `attacker.test:${port}` })).status).toBe(403);
    expect((await rawGet(port, '/api/roots', { Host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await rawGet(port, '/assets/../../package.json')).status).toBe(404);
    expect((await rawGet(port, '/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await rawGet(port, '/api/roots/0/photos/..%2Fa.jpg')).status).toBe(404);
    expect((await rawGet(port, '/api/roots/0/thumbnails/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await fetch(`${base}/api/roots/0/photos/999`)).status).toBe(404);
    expect((await fetch(`${base}/api/roots/7/photos/0`)).status).toBe(404);
    // A well-formed photo-md5 that is not in the catalog (the md5 of notes.txt's bytes).
    expect((await fetch(`${base}/api/roots/0/thumbnails/${md5(Buffer.from('not a photo'))}`)).status).toBe(
      404,
    );
    expect((await fetch(`${base}/api/roots/0/previews/${md5(Buffer.from('x'))}`)).status).toBe(404);
    expect((await fetch(`${base}/api/roots/0/previews/${byName('a.jpg').md5}`)).status).toBe(200);
  });

  it('refuses to listen off loopback without a token, and then wants the token on every request', async () => {
    const catalog = await openCatalog(await createLocalSource({ root: await tempDir('empty') }), {
      cacheDir: await tempDir('empty-cache'),
    });
    opened.push(catalog);
    await expect(startGallery({ catalogs: [catalog], host: '0.0.0.0', port: 0 })).rejects.toThrow(/--token/);
    gallery = await startGallery({
      catalogs: [catalog],
      host: '0.0.0.0',
      port: 0,
      token: 'secret-of-this-test',
    });
    expect((await rawGet(gallery.port, '/api/roots')).status).toBe(403);
    expect((await rawGet(gallery.port, '/api/roots?token=secret-of-this-test')).status).toBe(200);
  });
});
