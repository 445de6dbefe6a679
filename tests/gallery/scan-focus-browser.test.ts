import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, type RootSource } from '@photolala/core';
import { type Gallery, startGallery } from '@photolala/gallery';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { launchChromium, visibleThumbnails } from './browser.js';

/** The keyboard's photo while `serve --scan` adds photos above it, in Chromium. */

const { cleanup, opened } = cleanupAfterEach();
let browser: Browser;
let gallery: Gallery | undefined;
let release: () => void = () => {};
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  release();
  await gallery?.close();
  gallery = undefined;
});

/** A source whose reads of the files `held` names wait until `release()`: a scan held before them. */
function holding(source: RootSource, held: (p: string) => boolean) {
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return Object.assign(Object.create(source) as RootSource, {
    readAll: async (p: string, options?: Parameters<RootSource['readAll']>[1]) => {
      if (held(p)) await gate;
      return source.readAll(p, options);
    },
    readHead: async (p: string, bytes: number, options?: Parameters<RootSource['readHead']>[2]) => {
      if (held(p)) await gate;
      return source.readHead(p, bytes, options);
    },
  });
}

const name = (prefix: string, i: number) => `${prefix}${String(i).padStart(2, '0')}.jpg`;

describe('serve --scan and the keyboard', () => {
  it('keeps the focus on its photo when the scan adds newer photos above it', async () => {
    const root = await tempDir('scan-focus');
    const cacheDir = await tempDir('scan-focus-cache');
    cleanup.push(root, cacheDir);
    // Ten photos of 2019 catalogued, then four of 2024 (newer: shown above them) found by the scan.
    const old: Record<string, Uint8Array> = {};
    for (let i = 0; i < 10; i++) old[name('old', i)] = await syntheticJpeg(i + 1);
    await writeTree(root, old);
    for (let i = 0; i < 10; i++) {
      const when = new Date(Date.UTC(2019, 2, 15, 0, 0, 59 - i));
      await utimes(path.join(root, name('old', i)), when, when);
    }
    const first = await openCatalog(await createLocalSource({ root }), { cacheDir });
    await first.scan();
    await first.close();
    const added: Record<string, Uint8Array> = {};
    for (let i = 0; i < 4; i++) added[name('new', i)] = await syntheticJpeg(100 + i);
    await writeTree(root, added);
    for (let i = 0; i < 4; i++) {
      const when = new Date(Date.UTC(2024, 5, 1, 0, 0, 59 - i));
      await utimes(path.join(root, name('new', i)), when, when);
    }
    const source = holding(await createLocalSource({ root }), (p) => p.startsWith('new'));
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    gallery = await startGallery({ catalogs: [catalog], port: 0, scan: true });

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(gallery.url);
    await page.waitForFunction(() => document.body.dataset.total === '10');
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
    await page.close();
  });
});
