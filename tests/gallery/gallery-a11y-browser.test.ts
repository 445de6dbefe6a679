import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, openCatalog } from '@photolala/core';
import { type Gallery, startGallery } from '@photolala/gallery';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { launchChromium, visibleThumbnails } from './browser.js';

/**
 * The gallery's keyboard, dialog, scrubber, empty views and preview states, in Chromium: what an
 * outside user found missing (issue #23's UI).
 */

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

async function openRoot(root: string, cacheDir?: string): Promise<Catalog> {
  if (cacheDir === undefined) {
    cacheDir = await tempDir('ga11y-cache');
    cleanup.push(cacheDir);
  }
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  return catalog;
}

/** A scanned root of `files`, each dated (by mtime) on `dates[NAME]` if given. */
async function scannedRoot(files: Record<string, Uint8Array>, dates: Record<string, Date> = {}) {
  const root = await tempDir('ga11y');
  cleanup.push(root);
  await writeTree(root, files);
  for (const [name, when] of Object.entries(dates)) await utimes(path.join(root, name), when, when);
  const catalog = await openRoot(root);
  await catalog.scan();
  return { root, catalog };
}

async function openGallery(catalogs: Catalog[], viewport = { width: 1280, height: 800 }): Promise<Page> {
  gallery = await startGallery({ catalogs, port: 0 });
  const page = await browser.newPage({ viewport });
  await page.goto(gallery.url);
  await page.waitForFunction(() => document.body.dataset.total !== undefined);
  return page;
}

describe('the gallery UI in Chromium: keyboard, dialog, scrubber, empty views, previews', () => {
  it('says why a view is empty, and clears the search, folder or starred filter that made it', async () => {
    const { catalog } = await scannedRoot({
      'trip/beach.jpg': await syntheticJpeg(1),
      'home.jpg': await syntheticJpeg(2),
    });
    const page = await openGallery([catalog]);
    await visibleThumbnails(page);
    expect(await page.isHidden('#empty')).toBe(true);
    await page.fill('#search', 'xyz');
    await page.waitForFunction(() => document.body.dataset.total === '0');
    expect(await page.textContent('#empty p')).toBe('No photos match “xyz”.');
    expect(await page.$$('.tile')).toHaveLength(0);
    // Narrowed to a folder too.
    await page.waitForSelector('#folder option[value="trip"]', { state: 'attached' });
    await page.selectOption('#folder', 'trip');
    await page.waitForFunction(() => document.querySelector('#empty p')?.textContent?.includes('trip'));
    expect(await page.textContent('#empty p')).toBe('No photos match “xyz” in the folder trip.');
    expect(await page.$$eval('#empty button', (b) => b.map((e) => e.textContent))).toEqual([
      'Clear the search',
      'Show all folders',
    ]);
    await page.click('#empty button:has-text("Clear the search")');
    await page.waitForFunction(() => document.body.dataset.total === '1');
    expect(await page.inputValue('#search')).toBe('');
    expect(await page.isHidden('#empty')).toBe(true);
    expect(await page.$$eval('.tile', (t) => t.map((e) => (e as HTMLElement).title))).toEqual(['beach.jpg']);
    // No starred photo in the folder.
    await page.check('#starred');
    await page.waitForFunction(() => document.body.dataset.total === '0');
    expect(await page.textContent('#empty p')).toBe('No starred photos in the folder trip.');
    await page.click('#empty button:has-text("Show all photos, starred or not")');
    await page.waitForFunction(() => document.body.dataset.total === '1');
    expect(await page.isChecked('#starred')).toBe(false);
    expect(await page.isHidden('#empty')).toBe(true);
  });

  it('shows a rendered preview loading until its JPEG comes, and names the file and the reason when it fails', async () => {
    const tiff = (red: number) =>
      sharp({ create: { width: 320, height: 240, channels: 3, background: { r: red, g: 90, b: 30 } } })
        .tiff()
        .toBuffer();
    const { root, catalog } = await scannedRoot(
      { 'scan.tif': await tiff(200), 'bad.tif': await tiff(40) },
      { 'scan.tif': new Date(Date.UTC(2021, 5, 2)), 'bad.tif': new Date(Date.UTC(2021, 5, 1)) },
    );
    const page = await openGallery([catalog]);
    await visibleThumbnails(page);
    // The rendered JPEG is held back until the test lets it through.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/previews/**', async (route) => {
      await held;
      await route.continue();
    });
    await page.click('.tile[title="scan.tif"]');
    await page.waitForSelector('#loading:not([hidden])');
    expect(await page.textContent('#loading')).toBe('Rendering a preview of scan.tif…');
    expect(await page.getAttribute('#lightbox', 'aria-busy')).toBe('true');
    release();
    await page.waitForSelector('#loading', { state: 'hidden' });
    expect(
      await page.evaluate(() => (document.getElementById('preview') as HTMLImageElement).naturalWidth),
    ).toBeGreaterThan(0);
    expect(await page.getAttribute('#lightbox', 'aria-busy')).toBeNull();
    expect(await page.isHidden('#problem')).toBe(true);
    await page.keyboard.press('Escape');
    await page.unroute('**/previews/**');

    // A TIFF changed since the scan: the server refuses to render it, and says why.
    const bytes = await readFile(path.join(root, 'bad.tif'));
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(path.join(root, 'bad.tif'), bytes);
    await page.click('.tile[title="bad.tif"]');
    await page.waitForSelector('#problem:not([hidden])');
    expect(await page.textContent('#problem')).toMatch(
      /^bad\.tif cannot be shown: .*changed since the last scan/,
    );
    expect(await page.isHidden('#loading')).toBe(true);
    expect(await page.isHidden('#preview')).toBe(true);
  });
});
