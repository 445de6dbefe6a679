import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

type Row = [number, number, string, string, number];

/** A root of two photos, catalogued by one process and served by another (a gallery's catalog). */
async function servedRoot() {
  const root = await tempDir('external');
  const cacheDir = await tempDir('external-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, { 'b/old.jpg': await syntheticJpeg(71), 'c/older.jpg': await syntheticJpeg(72) });
  await utimes(path.join(root, 'b/old.jpg'), new Date('2024-03-02'), new Date('2024-03-02'));
  await utimes(path.join(root, 'c/older.jpg'), new Date('2024-02-02'), new Date('2024-02-02'));
  const open = async () => openCatalog(await createLocalSource({ root }), { cacheDir });
  const first = await open();
  await first.scan();
  await first.close();
  const served = await open();
  opened.push(served);
  const warnings: string[] = [];
  gallery = await startGallery({ catalogs: [served], port: 0, onWarning: (m) => warnings.push(m) });
  const base = `http://127.0.0.1:${gallery.port}`;
  const json = async <T>(url: string) => (await (await fetch(`${base}${url}`)).json()) as T;
  /** Another process's scan: a Catalog of its own, publishing into the same root and mirror. */
  const scanElsewhere = async (tree: Record<string, Uint8Array>) => {
    await writeTree(root, tree);
    const other = await open();
    try {
      await other.scan();
    } finally {
      await other.close();
    }
  };
  const waitForTotal = async (total: number) => {
    for (let waited = 0; waited < 15_000; waited += 100) {
      if ((await json<{ total: number }>('/api/view')).total === total) {
        expect(warnings).toEqual([]);
        return;
      }
      await sleep(100);
    }
    throw new Error(`the gallery never showed ${total} photos`);
  };
  return { open, served, base, json, scanElsewhere, waitForTotal };
}

describe('a gallery and another process publishing into its root', () => {
  it("shows the other process's photos, and the ids it gave still name the same photos", async () => {
    const { base, json, scanElsewhere, waitForTotal } = await servedRoot();
    // The page's first screen, by SQL before the timeline is built: its ids are places in path order.
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('old.jpg');
    const before = (await json<{ rows: Row[] }>('/api/photos')).rows;
    expect(before.map((r) => r[3])).toEqual(['old.jpg', 'older.jpg']);

    // A photo whose path sorts first: numbered by the new listing, every id would move by one.
    await scanElsewhere({ 'a/new.jpg': await syntheticJpeg(73) });
    await waitForTotal(3);
    const after = (await json<{ rows: Row[] }>('/api/photos')).rows;
    expect(after.map((r) => r[3])).toEqual(['new.jpg', 'old.jpg', 'older.jpg']);
    for (const [, id, md5, name] of before) {
      const detail = await json<{ path: string; md5: string }>(`/api/roots/0/photos/${id}`);
      expect(detail.path.endsWith(name)).toBe(true);
      expect(detail.md5).toBe(md5);
    }
    const added = after.find((r) => r[3] === 'new.jpg')!;
    expect((await json<{ path: string }>(`/api/roots/0/photos/${added[1]}`)).path).toBe('a/new.jpg');
    expect((await fetch(`${base}/api/roots/0/thumbnails/${added[2]}`)).status).toBe(200);
  });

  it('keeps a star not yet saved, and saves it onto the newer catalog', async () => {
    const { open, served, json, scanElsewhere, waitForTotal } = await servedRoot();
    const rows = (await json<{ rows: Row[] }>('/api/photos')).rows;
    const old = rows.find((r) => r[3] === 'old.jpg')!;
    // Starred through the catalog in this process, and published by the other before it is saved.
    await served.star('b/old.jpg');
    await scanElsewhere({ 'a/new.jpg': await syntheticJpeg(74) });
    await waitForTotal(3);
    const after = (await json<{ rows: Row[] }>('/api/photos')).rows;
    expect(after.find((r) => r[1] === old[1])?.[4]).toBe(1);
    expect(served.get('b/old.jpg')?.starred).toBe(true);
    await served.save();
    const reopened = await open();
    opened.push(reopened);
    expect(reopened.list().map((e) => [e.path, e.starred])).toEqual([
      ['a/new.jpg', false],
      ['b/old.jpg', true],
      ['c/older.jpg', false],
    ]);
  });
});
