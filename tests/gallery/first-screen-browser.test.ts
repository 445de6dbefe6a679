import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg } from '../support/fs.js';
import { useGalleryBrowser, VIEWPORT } from './browser.js';
import { scannedRoot } from './dated-root.js';

/**
 * The first screen the server draws into the page (page.ts `firstTiles`): painted by the browser
 * without the script, then taken over by it where it is, the same elements, neither moved nor
 * drawn twice.
 */

const made = cleanupAfterEach();
const chromium = useGalleryBrowser();

/** 40 photos: 3 in March 2024, the rest in February (the first screen holds two month headers). */
async function servedRoot() {
  const files: Record<string, Uint8Array> = {};
  const dates: Record<string, Date> = {};
  for (let i = 0; i < 40; i++) {
    const name = `p${String(i).padStart(2, '0')}.jpg`;
    files[name] = await syntheticJpeg(i + 1);
    dates[name] = new Date(Date.UTC(2024, i < 3 ? 2 : 1, 20, 0, 0, 59 - i));
  }
  const { catalog } = await scannedRoot(made, files, dates);
  return chromium.startGallery({ catalogs: [catalog] });
}

/** The tiles and month headers on screen: key, index, box, and whether the thumbnail is decoded. */
const onScreen = (page: Page) =>
  page.evaluate(() => {
    const grid = document.getElementById('grid')!.getBoundingClientRect();
    return [...document.querySelectorAll<HTMLElement>('#sizer > .tile, #sizer > .month')].flatMap(
      (element) => {
        const r = element.getBoundingClientRect();
        if (r.bottom <= grid.top || r.top >= grid.bottom) return [];
        const img = element.querySelector('img');
        const text = element.classList.contains('month') ? element.textContent : null;
        return [
          {
            key: element.dataset.key ?? null,
            index: element.dataset.index ?? null,
            text,
            x: r.left,
            y: r.top,
            size: r.width,
            width: img?.naturalWidth ?? null,
          },
        ];
      },
    );
  });

const screenShown = (page: Page) =>
  page.waitForFunction(() => {
    const grid = document.getElementById('grid')!.getBoundingClientRect();
    const tiles = [...document.querySelectorAll<HTMLElement>('.tile')].filter((t) => {
      const r = t.getBoundingClientRect();
      return r.bottom > grid.top && r.top < grid.bottom && r.width > 0;
    });
    return tiles.length > 0 && tiles.every((t) => t.querySelector('img')?.complete);
  });

describe('the first screen drawn by the server', () => {
  it('shows its thumbnails without the script, where the script then keeps the same elements', async () => {
    const { url } = await servedRoot();
    // Without JavaScript: what the browser paints before the script has run.
    const before = await chromium.newPage(VIEWPORT, { javaScriptEnabled: false });
    await before.goto(url);
    await screenShown(before);
    const drawn = await onScreen(before);
    await before.close();
    const tiles = drawn.filter((t) => t.index !== null);
    // 6 columns at this width: a row of 3 under the first header, 3 rows of 6 under the second.
    expect(tiles.length).toBeGreaterThanOrEqual(18);
    expect(tiles.every((t) => t.width === 256)).toBe(true);
    expect(drawn.filter((t) => t.text !== null).map((t) => t.text)).toEqual(['March 2024', 'February 2024']);
    expect(tiles.map((t) => t.index)).toEqual(tiles.map((_, i) => String(i)));

    const page = await chromium.newPage();
    await page.goto(url);
    await page.waitForFunction(() => !document.getElementById('sizer')!.classList.contains('first'));
    await screenShown(page);
    const taken = await onScreen(page);
    // Every element the server drew on screen is still there (its key kept), at the same place.
    for (const element of drawn) {
      const same = taken.filter((t) => t.key === element.key);
      expect(same, element.key ?? '').toHaveLength(1);
      expect(Math.abs(same[0]!.x - element.x)).toBeLessThan(1);
      expect(Math.abs(same[0]!.y - element.y)).toBeLessThan(1);
      if (element.index !== null) expect(Math.abs(same[0]!.size - element.size)).toBeLessThan(1);
    }
    // No tile drawn twice.
    const indices = await page.$$eval('.tile', (all) => all.map((t) => (t as HTMLElement).dataset.index));
    expect(new Set(indices).size).toBe(indices.length);
  });

  it('opens the lightbox and moves with the keys from a tile the server drew', async () => {
    const { url } = await servedRoot();
    const page = await chromium.newPage();
    await page.goto(url);
    await page.waitForFunction(() => !document.getElementById('sizer')!.classList.contains('first'));
    expect(await page.getAttribute('.tile[data-index="0"]', 'data-key')).toMatch(/^t0:\d+$/);
    await page.focus('.tile[data-index="0"]');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.index)).toBe('1');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#lightbox:not([hidden])');
    expect(await page.textContent('#lightbox-title')).toContain('p01.jpg');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#lightbox', { state: 'hidden' });
  });
});
