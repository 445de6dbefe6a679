import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { useGalleryBrowser, visibleThumbnails, waitForTotal } from './browser.js';

const { cleanup } = cleanupAfterEach();
const chromium = useGalleryBrowser();

describe('the gallery in Chromium while another process publishes into its root', () => {
  it('reads its view again by itself and shows the new photo, its thumbnail decoded', async () => {
    const root = await tempDir('publish-page');
    const cacheDir = await tempDir('publish-page-cache');
    cleanup.push(root, cacheDir);
    await writeTree(root, {
      'b/old.jpg': await syntheticJpeg(81, 160, 120),
      'c/older.jpg': await syntheticJpeg(82, 160, 120),
    });
    await utimes(path.join(root, 'b/old.jpg'), new Date('2024-03-02'), new Date('2024-03-02'));
    await utimes(path.join(root, 'c/older.jpg'), new Date('2024-02-02'), new Date('2024-02-02'));
    /** A Catalog of this process's own over the root: what `photolala scan` elsewhere does. */
    const scan = async () => {
      const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
      try {
        await catalog.scan();
        return catalog.list();
      } finally {
        await catalog.close();
      }
    };
    await scan();

    const serving = await chromium.serve([root], { PHOTOLALA_CACHE_DIR: cacheDir });
    const page = await chromium.open(serving.url);
    expect(await visibleThumbnails(page)).toEqual({ count: 2, widths: [256, 256] });
    // A reload of the document would lose this: the page must read its view again in place.
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });

    await writeTree(root, { 'a/new.jpg': await syntheticJpeg(83, 160, 120) });
    await utimes(path.join(root, 'a/new.jpg'), new Date('2024-04-02'), new Date('2024-04-02'));
    const added = (await scan()).find((entry) => entry.path === 'a/new.jpg');
    expect(added?.photoMd5).toMatch(/^[0-9a-f]{32}$/);

    // `serve` looks for a newer catalog every 2 s and pushes `photos`; nothing else tells the page.
    await waitForTotal(page, 3);
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.tile[title="new.jpg"] img');
      return !!img?.complete && img.naturalWidth > 0;
    });
    expect(await visibleThumbnails(page)).toEqual({ count: 3, widths: [256, 256, 256] });
    const tiles = await page.$$eval('.tile', (all) =>
      (all as HTMLElement[])
        .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
        .map((tile) => {
          const img = tile.querySelector('img')!;
          return { name: tile.title, src: img.src, size: [img.naturalWidth, img.naturalHeight] };
        }),
    );
    // Newest first: the new photo's mtime is the latest.
    expect(tiles.map((t) => t.name)).toEqual(['new.jpg', 'old.jpg', 'older.jpg']);
    const shown = tiles[0]!;
    expect(shown.size).toEqual([256, 256]);
    expect(new URL(shown.src).pathname).toMatch(new RegExp(`/thumbnails/${added!.photoMd5}$`));
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(
      true,
    );
  });
});
