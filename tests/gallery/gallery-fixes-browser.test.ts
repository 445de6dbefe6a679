import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, syntheticJpeg } from '../support/fs.js';
import { heldRoute } from '../support/held.js';
import { field, openTile, useGalleryBrowser, visibleThumbnails, waitForTotal } from './browser.js';
import { manyPhotos, scannedRoot } from './dated-root.js';

const made = cleanupAfterEach();
const chromium = useGalleryBrowser();

/** The titles of the tiles drawn, in the view's order. */
const tileOrder = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.tile[title]')]
      .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
      .map((t) => t.title),
  );

/** The titles of the first row of tiles whose bottom is below the grid's top. */
const topRow = (page: Page) =>
  page.evaluate(() => {
    const top = document.getElementById('grid')!.getBoundingClientRect().top;
    const tiles = [...document.querySelectorAll<HTMLElement>('.tile[title]')].filter(
      (t) => t.getBoundingClientRect().bottom > top + 1,
    );
    const first = Math.min(...tiles.map((t) => t.getBoundingClientRect().top));
    return tiles.filter((t) => t.getBoundingClientRect().top === first).map((t) => t.title);
  });

describe('the gallery in Chromium (new-user trial fixes)', () => {
  it('draws "All roots" as one timeline by date, each year once in the scrubber', async () => {
    const a = await scannedRoot(
      made,
      { 'a-1.jpg': await syntheticJpeg(1), 'a-3.jpg': await syntheticJpeg(2) },
      { 'a-1.jpg': new Date(Date.UTC(2020, 0, 5)), 'a-3.jpg': new Date(Date.UTC(2021, 2, 5)) },
    );
    const b = await scannedRoot(
      made,
      { 'b-2.jpg': await syntheticJpeg(3), 'b-4.jpg': await syntheticJpeg(4) },
      { 'b-2.jpg': new Date(Date.UTC(2020, 1, 5)), 'b-4.jpg': new Date(Date.UTC(2021, 3, 5)) },
    );
    const { page } = await chromium.openGallery([a.catalog, b.catalog]);
    await visibleThumbnails(page);
    expect(await tileOrder(page)).toEqual(['b-4.jpg', 'a-3.jpg', 'b-2.jpg', 'a-1.jpg']);
    const years = await page.$$eval('#scrubber button.year', (buttons) => buttons.map((b) => b.textContent));
    expect(years).toEqual(['2021', '2020']);
  });

  it('keeps the tiles drawn, thumbnails and all, while a scan makes it read the view again', async () => {
    const { files, dates } = await manyPhotos(60, 10);
    const { catalog } = await scannedRoot(made, files, dates);
    const { page } = await chromium.openGallery([catalog]);
    await page.evaluate(() => {
      document.getElementById('grid')!.scrollTop = 900;
    });
    await visibleThumbnails(page);
    // Counts, every frame, the tiles on screen without a thumbnail shown.
    await page.evaluate(() => {
      const w = window as unknown as { blank: number; watching: boolean };
      w.blank = 0;
      w.watching = true;
      const grid = document.getElementById('grid')!;
      const check = () => {
        const box = grid.getBoundingClientRect();
        const blank = [...document.querySelectorAll<HTMLElement>('.tile')].filter((t) => {
          const r = t.getBoundingClientRect();
          const img = t.querySelector('img');
          return r.bottom > box.top && r.top < box.bottom && !(img?.complete && img.naturalWidth > 0);
        }).length;
        w.blank = Math.max(w.blank, blank);
        if (w.watching) requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    const reloaded = page.waitForResponse((r) => r.url().includes('/api/view'));
    // What a scan does as it adds photos: the page is told, and reads its view again.
    catalog.events.emit('entries-added', { paths: [] });
    await reloaded;
    await page.waitForTimeout(500);
    const blank = await page.evaluate(() => {
      const w = window as unknown as { blank: number; watching: boolean };
      w.watching = false;
      return w.blank;
    });
    expect(blank).toBe(0);
  });

  it('keeps the top photo in place when the window is resized, and marks one month in the scrubber', async () => {
    const { files, dates } = await manyPhotos(120, 12);
    const { catalog } = await scannedRoot(made, files, dates);
    const { page } = await chromium.openGallery([catalog]);
    await page.evaluate(() => {
      document.getElementById('grid')!.scrollTop = 2500;
    });
    await visibleThumbnails(page);
    const before = (await topRow(page))[0];
    expect(before).toBeDefined();
    for (const width of [900, 700, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(300);
      expect(await topRow(page), `at ${width} px`).toContain(before);
      expect(await page.$$eval('#scrubber button.current', (b) => b.length), `at ${width} px`).toBe(1);
    }
  });

  it('on a 390 px window, puts the facts under the photo, full width', async () => {
    const { catalog } = await scannedRoot(made, {
      'a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
    });
    const { page } = await chromium.openGallery([catalog], { width: 390, height: 844 });
    await openTile(page, 'a.jpg');
    const { figure, aside } = await page.evaluate(() => {
      const box = (s: string) => document.querySelector(`#lightbox ${s}`)!.getBoundingClientRect().toJSON();
      return { figure: box('figure'), aside: box('aside') };
    });
    expect(aside.width).toBeGreaterThan(350);
    expect(aside.top).toBeGreaterThanOrEqual(figure.bottom - 1);
  });

  it('says in the lightbox why a photo changed since the scan cannot be shown', async () => {
    const { root, catalog } = await scannedRoot(made, {
      'a.jpg': await syntheticJpeg(1),
      'b.jpg': await syntheticJpeg(2),
    });
    const bytes = await readFile(path.join(root, 'a.jpg'));
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    await writeFile(path.join(root, 'a.jpg'), bytes);
    const { page } = await chromium.openGallery([catalog]);
    await openTile(page, 'a.jpg');
    await page.waitForSelector('#problem:not([hidden])');
    expect(await page.textContent('#problem')).toContain('changed since the last scan');
    expect(await page.isHidden('#preview')).toBe(true);
    // The next photo shows as it is.
    await page.keyboard.press(
      (await page.getAttribute('#lightbox', 'data-index')) === '0' ? 'ArrowRight' : 'ArrowLeft',
    );
    await page.waitForFunction(
      () => (document.getElementById('preview') as HTMLImageElement).naturalWidth > 0,
    );
    expect(await page.isHidden('#problem')).toBe(true);
  });

  it('names the camera once, shows the path in its root and an mtime as the file date, and counts 1 photo', async () => {
    const one = await scannedRoot(made, {
      'My Photos/a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
    });
    const first = await chromium.openGallery([one.catalog]);
    let page = first.page;
    expect(await page.textContent('#status')).toBe('1 photo');
    await openTile(page, 'a.jpg');
    expect(await field(page, 'camera')).toBe('Canon EOS 40D');
    expect(await field(page, 'path')).toBe('My Photos/a.jpg');
    expect(await field(page, 'root')).toBe(one.root);
    await first.gallery.close();
    const when = new Date(Date.UTC(2019, 2, 15, 10, 20, 30));
    const undated = await scannedRoot(made, { 'plain.jpg': await syntheticJpeg(5) }, { 'plain.jpg': when });
    ({ page } = await chromium.openGallery([undated.catalog]));
    await openTile(page, 'plain.jpg');
    expect(await page.textContent('#info dt:has(+ dd[data-field="date"])')).toBe('File date');
    expect(await field(page, 'date')).toContain('2019-03-15 10:20:30');
  });

  it('says so when the server stops, and stops saying so when it answers again', async () => {
    const { catalog } = await scannedRoot(made, {
      'a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')),
    });
    const { page, gallery } = await chromium.openGallery([catalog]);
    // Connected: nothing to say.
    await waitForTotal(page, 1);
    expect(await page.isHidden('#stopped')).toBe(true);
    await gallery.close();
    await page.waitForSelector('#stopped', { state: 'visible' });
    expect(await page.textContent('#stopped')).toContain('not answering');
    // Served again on the same port: the browser's stream comes back.
    await chromium.startGallery({ catalogs: [catalog], port: gallery.port });
    await page.waitForSelector('#stopped', { state: 'hidden', timeout: 20_000 });
  });

  it('reads the view again when a star was made before its event stream opened', async () => {
    const { files, dates } = await manyPhotos(6, 6);
    const { catalog } = await scannedRoot(made, files, dates);
    const gallery = await chromium.startGallery({ catalogs: [catalog] });
    const page = await chromium.newPage();
    // The page opens its stream once its first screen shows: held here, a star made meanwhile
    // reaches no page, as when another tab or `photolala star` stars it in that window.
    const { release, asked } = await heldRoute(page, '**/api/events');
    await page.goto(gallery.url);
    await visibleThumbnails(page);
    await expect.poll(asked).toBe(true);
    expect(await page.locator('.tile.starred').count()).toBe(0);
    await catalog.star('p003.jpg');
    release();
    await page.waitForSelector('.tile.starred[title="p003.jpg"]', { timeout: 20_000 });
    expect(await page.$$eval('.tile.starred', (tiles) => tiles.map((t) => (t as HTMLElement).title))).toEqual(
      ['p003.jpg'],
    );
  });
});
