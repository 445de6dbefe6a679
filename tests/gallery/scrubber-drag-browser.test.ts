import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { useGalleryBrowser, visibleThumbnails } from './browser.js';
import { manyPhotos, scannedRoot } from './dated-root.js';

/** The scrubber dragged with the mouse, in Chromium: the grid follows while the button is held. */

const made = cleanupAfterEach();
const chromium = useGalleryBrowser();

describe('the scrubber dragged', () => {
  it('moves the grid with the pointer, and loads the screen where the drag ends', async () => {
    // 60 photos, 5 a month over the 12 months of 2021: a timeline several screens tall.
    const { files, dates } = await manyPhotos(60, 5, 'p', 2);
    const { catalog } = await scannedRoot(made, files, dates);
    const { page } = await chromium.openGallery([catalog]);
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
  });
});
