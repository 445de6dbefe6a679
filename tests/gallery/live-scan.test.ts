import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { type Gallery, startGallery } from '@photolala/gallery';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { heldSource } from '../support/held.js';

const { cleanup, opened } = cleanupAfterEach();
let gallery: Gallery | undefined;
let release: () => void = () => {};
afterEach(async () => {
  release();
  await gallery?.close();
  gallery = undefined;
});

const poll = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('serve --scan', () => {
  it('dates a photo the running scan digested by its mtime, as the finished catalog does', async () => {
    const root = await tempDir('live-scan');
    const cacheDir = await tempDir('live-scan-cache');
    cleanup.push(root, cacheDir);
    await writeTree(root, {
      'old.jpg': await syntheticJpeg(1),
      'z-held.jpg': await syntheticJpeg(2, 640, 480),
    });
    const when = new Date(Date.UTC(2019, 2, 15));
    await utimes(path.join(root, 'old.jpg'), when, when);
    await utimes(path.join(root, 'z-held.jpg'), when, when);
    // A scan caught halfway: the digest of z-held.jpg waits.
    const held = heldSource(await createLocalSource({ root }), (p) => p === 'z-held.jpg', ['readAll']);
    release = held.release;
    const catalog = await openCatalog(held.source, { cacheDir });
    opened.push(catalog);
    gallery = await startGallery({ catalogs: [catalog], port: 0, scan: true });
    const base = `http://127.0.0.1:${gallery.port}`;
    type ViewAnswer = { total: number; months: { month: string; count: number }[] };
    const view = () => fetch(`${base}/api/view`).then((r) => r.json() as Promise<ViewAnswer>);
    // The scan has digested old.jpg and waits on z-held.jpg.
    const during = await poll(view, (v) => v.total === 1);
    expect(during.months).toEqual([{ month: '2019-03', count: 1 }]);
    release();
    await gallery.scanned;
    expect((await view()).months).toEqual([{ month: '2019-03', count: 2 }]);
  });
});
