import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, writeTree } from '../support/fs.js';
import { heldSource } from '../support/held.js';
import { useGalleryBrowser, visibleThumbnails, waitForTotal } from './browser.js';
import { scannedRoot } from './dated-root.js';

/** The keyboard's photo while `serve --scan` adds photos above it, in Chromium. */

const made = cleanupAfterEach();
const chromium = useGalleryBrowser();
let release: () => void = () => {};
// Registered after useGalleryBrowser, so run before it closes the gallery: a scan held is let go.
afterEach(() => release());

const name = (prefix: string, i: number) => `${prefix}${String(i).padStart(2, '0')}.jpg`;

describe('serve --scan and the keyboard', () => {
  it('keeps the focus on its photo when the scan adds newer photos above it', async () => {
    // Ten photos of 2019 catalogued, then four of 2024 (newer: shown above them) found by the scan.
    const old: Record<string, Uint8Array> = {};
    const oldDates: Record<string, Date> = {};
    for (let i = 0; i < 10; i++) {
      old[name('old', i)] = await syntheticJpeg(i + 1);
      oldDates[name('old', i)] = new Date(Date.UTC(2019, 2, 15, 0, 0, 59 - i));
    }
    const { root, cacheDir, catalog: first } = await scannedRoot(made, old, oldDates);
    await first.close();
    const added: Record<string, Uint8Array> = {};
    for (let i = 0; i < 4; i++) added[name('new', i)] = await syntheticJpeg(100 + i);
    await writeTree(root, added);
    for (let i = 0; i < 4; i++) {
      const when = new Date(Date.UTC(2024, 5, 1, 0, 0, 59 - i));
      await utimes(path.join(root, name('new', i)), when, when);
    }
    // A scan held before the new photos' reads.
    const held = heldSource(await createLocalSource({ root }), (p) => p.startsWith('new'), [
      'readAll',
      'readHead',
    ]);
    release = held.release;
    const catalog = await openCatalog(held.source, { cacheDir });
    made.opened.push(catalog);
    const gallery = await chromium.startGallery({ catalogs: [catalog], scan: true });

    const page = await chromium.newPage();
    await page.goto(gallery.url);
    await waitForTotal(page, 10);
    await visibleThumbnails(page);
    await page.focus('.tile[data-index="2"]');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).title)).toBe('old02.jpg');

    release();
    await page.waitForFunction(() => document.body.dataset.total === '14', undefined, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('.tile[title="new00.jpg"]') !== null);
    // The one Tab stop of the grid is the photo focused, now four places further.
    expect(await page.$$eval('.tile[tabindex="0"]', (t) => t.map((e) => (e as HTMLElement).title))).toEqual([
      'old02.jpg',
    ]);
    // Its tile gone (scrolled away and drawn again, say): the arrows go on from that photo.
    await page.evaluate(() => (document.activeElement as HTMLElement).blur());
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).title)).toBe('old03.jpg');
  });
});
