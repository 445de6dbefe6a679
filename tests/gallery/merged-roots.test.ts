import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { type Gallery, startGallery } from '@photolala/gallery';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();
let gallery: Gallery | undefined;
afterEach(async () => {
  await gallery?.close();
  gallery = undefined;
});

/** A scanned root of photos dated (by mtime only) in the given months of 2021. */
async function rootWith(name: string, months: number[], seed: number) {
  const root = await tempDir(`merged-${name}`);
  const cacheDir = await tempDir(`merged-${name}-cache`);
  cleanup.push(root, cacheDir);
  const tree: Record<string, Uint8Array> = {};
  for (const [i, month] of months.entries()) tree[`${name}-${month}.jpg`] = await syntheticJpeg(seed + i);
  await writeTree(root, tree);
  for (const month of months) {
    const when = new Date(Date.UTC(2021, month - 1, 15));
    await utimes(path.join(root, `${name}-${month}.jpg`), when, when);
  }
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  await catalog.scan();
  return catalog;
}

describe('several roots served together', () => {
  it('merges their timelines by date, newest first, each month once', async () => {
    const a = await rootWith('a', [1, 3, 5], 1);
    const b = await rootWith('b', [2, 4, 6], 11);
    gallery = await startGallery({ catalogs: [a, b], port: 0 });
    const base = `http://127.0.0.1:${gallery.port}`;
    const view = (await (await fetch(`${base}/api/view`)).json()) as {
      months: { month: string; count: number }[];
    };
    expect(view.months).toEqual([6, 5, 4, 3, 2, 1].map((m) => ({ month: `2021-0${m}`, count: 1 })));
    const page = (await (await fetch(`${base}/api/photos`)).json()) as { rows: unknown[][] };
    expect(page.rows.map((r) => r[3])).toEqual([
      'b-6.jpg',
      'a-5.jpg',
      'b-4.jpg',
      'a-3.jpg',
      'b-2.jpg',
      'a-1.jpg',
    ]);
    // The page's own first screen is the same merged order.
    const html = await (await fetch(`${base}/`)).text();
    const inline = /<script type="application\/json" id="first-screen">(.*?)<\/script>/s.exec(html)?.[1];
    const first = JSON.parse(inline!) as { months: unknown[]; rows: unknown[][] };
    expect(first.months).toEqual(view.months);
    expect(first.rows.map((r) => r[3])).toEqual(page.rows.map((r) => r[3]));
  });
});
