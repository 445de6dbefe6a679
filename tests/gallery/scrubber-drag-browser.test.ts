import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { type Gallery, startGallery } from '@photolala/gallery';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { launchChromium, visibleThumbnails } from './browser.js';

/** The scrubber dragged with the mouse, in Chromium: the grid follows while the button is held. */

const { cleanup, opened } = cleanupAfterEach();
let browser: Browser;
let gallery: Gallery | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await gallery?.close();
  gallery = undefined;
});

describe('the scrubber dragged', () => {
  it('moves the grid with the pointer, and loads the screen where the drag ends', async () => {
    const root = await tempDir('scrubber-drag');
    const cacheDir = await tempDir('scrubber-drag-cache');
    cleanup.push(root, cacheDir);
    // 60 photos, 5 a month over the 12 months of 2021: a timeline several screens tall.
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 60; i++) files[`p${String(i).padStart(2, '0')}.jpg`] = await syntheticJpeg(i + 1);
    await writeTree(root, files);
    for (let i = 0; i < 60; i++) {
      const when = new Date(Date.UTC(2021, 11 - Math.floor(i / 5), 20, 0, 0, 59 - (i % 5)));
      await utimes(path.join(root, `p${String(i).padStart(2, '0')}.jpg`), when, when);
    }
    const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    gallery = await startGallery({ catalogs: [catalog], port: 0 });

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(gallery.url);
    await page.waitForSelector('#scrubber button[data-month="2021-01"]');
    await visibleThumbnails(page);
    const track = (await page.locator('#scrubber').boundingBox())!;
    const x = track.x + track.width / 2;
    const grid = () =>
      page.evaluate(() => {
        const g = document.getElementById('grid')!;
        return { top: g.scrollTop, height: g.scrollHeight, max: g.scrollHeight - g.clientHeight };
      });
    expect((await grid()).top).toBe(0);

    await page.mouse.move(x, track.y + 2);
    await page.mouse.down();
    await page.mouse.move(x, track.y + track.height * 0.25, { steps: 5 });
    const quarter = await grid();
    await page.mouse.move(x, track.y + track.height * 0.5, { steps: 5 });
    const half = await grid();
    // The button still held: the grid is where the pointer is on the track.
    expect(Math.abs(quarter.top - quarter.height * 0.25)).toBeLessThan(quarter.height * 0.03);
    expect(Math.abs(half.top - half.height * 0.5)).toBeLessThan(half.height * 0.03);
    await page.mouse.move(x, track.y + track.height + 40, { steps: 5 });
    expect((await grid()).top).toBe((await grid()).max);
    await page.mouse.up();
    // Let go: still at the end (the click the press makes does not jump back to a month's top), with
    // the oldest month's thumbnails shown.
    const { count, widths } = await visibleThumbnails(page);
    expect((await grid()).top).toBe((await grid()).max);
    expect(count).toBeGreaterThan(0);
    expect(widths.every((w) => w === 256)).toBe(true);
    const last = await page.locator('.tile[title="p59.jpg"]').boundingBox();
    expect(last && last.y + last.height <= 800).toBe(true);
    await page.close();
  });
});
