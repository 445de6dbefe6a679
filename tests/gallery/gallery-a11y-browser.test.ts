import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, openCatalog } from '@photolala/core';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { heldRoute } from '../support/held.js';
import { useGalleryBrowser, visibleThumbnails, waitForTotal } from './browser.js';
import { manyPhotos, scannedRoot } from './dated-root.js';

/**
 * The gallery's keyboard, dialog, scrubber, empty views and preview states, in Chromium: what an
 * outside user found missing (issue #23's UI).
 */

const made = cleanupAfterEach();
const { cleanup, opened } = made;
const chromium = useGalleryBrowser();

async function openRoot(root: string, cacheDir: string): Promise<Catalog> {
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  return catalog;
}

/** The focused element: its tile index, its title, and whether its tile shows whole in the grid. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    const grid = document.getElementById('grid')!.getBoundingClientRect();
    const box = active?.getBoundingClientRect();
    return {
      index: active?.classList.contains('tile') ? Number(active.dataset.index) : undefined,
      title: active?.title,
      // Below the sticky month header (36 px), above the grid's bottom.
      whole: !!box && box.top >= grid.top + 36 - 1 && box.bottom <= grid.bottom + 1,
      inLightbox: !!active && !!document.getElementById('lightbox')?.contains(active),
    };
  });

const press = async (page: Page, key: string) => {
  await page.keyboard.press(key);
  // A render at the next frame.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
};

describe('the gallery UI in Chromium: keyboard, dialog, scrubber, empty views, previews', () => {
  it('moves the focus between tiles with the keys, across months and the virtualizer recycling tiles', async () => {
    const { files, dates } = await manyPhotos(60, 10);
    const { catalog } = await scannedRoot(made, files, dates);
    const { page } = await chromium.openGallery([catalog]);
    await visibleThumbnails(page);
    const columns = await page.evaluate(() => {
      const tiles = [...document.querySelectorAll<HTMLElement>('.tile')];
      const first = tiles.find((t) => t.dataset.index === '0')!.getBoundingClientRect().top;
      return tiles.filter((t) => t.getBoundingClientRect().top === first).length;
    });
    expect(columns).toBeGreaterThan(2);
    expect(columns).toBeLessThan(10);

    // The grid is one Tab stop: from the starred box, Tab lands on the first tile.
    await page.focus('#starred');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ index: 0, title: 'p000.jpg', whole: true });
    expect(
      await page.$$eval('.tile[tabindex="0"]', (t) => t.map((e) => (e as HTMLElement).dataset.index)),
    ).toEqual(['0']);
    // A visible focus ring: the tile's edge is drawn in the ring's blue.
    const ring = await page.evaluate(() => {
      const r = document.activeElement!.getBoundingClientRect();
      return { x: r.left - 4, y: r.top - 4, width: r.width + 8, height: r.height + 8 };
    });
    const shot = await sharp(await page.screenshot({ clip: ring }))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    let blue = 0;
    for (let i = 0; i < shot.data.length; i += 3)
      if (
        Math.abs(shot.data[i]! - 0x4a) < 30 &&
        Math.abs(shot.data[i + 1]! - 0x90) < 30 &&
        shot.data[i + 2]! > 0xb0
      )
        blue++;
    expect(blue).toBeGreaterThan(ring.width * 2);

    await press(page, 'ArrowRight');
    expect((await focused(page)).index).toBe(1);
    await press(page, 'ArrowDown');
    expect((await focused(page)).index).toBe(1 + columns);
    // Below the month's last row: the next month's first row, same column.
    await press(page, 'ArrowDown');
    expect((await focused(page)).index).toBe(10 + 1);
    await press(page, 'ArrowUp');
    expect((await focused(page)).index).toBe(1 + columns);
    await press(page, 'ArrowLeft');
    expect((await focused(page)).index).toBe(columns);
    await press(page, 'Home');
    expect((await focused(page)).index).toBe(0);

    // PageDown: a screen of rows down, scrolled so that the tile shows whole; PageUp back.
    await press(page, 'PageDown');
    const paged = await focused(page);
    expect(paged.index).toBeGreaterThan(columns);
    expect(paged.whole).toBe(true);
    await press(page, 'PageUp');
    expect((await focused(page)).index).toBe(0);

    // End: the last photo, its tile drawn (the first ones are not any more) and focused.
    await press(page, 'End');
    expect(await focused(page)).toMatchObject({ index: 59, title: 'p059.jpg', whole: true });
    expect(await page.$('.tile[data-index="0"]')).toBeNull();
    // The sticky header names the month shown at the top.
    const atTop = await page.evaluate(() => {
      const top = document.getElementById('grid')!.getBoundingClientRect().top;
      const above = [...document.querySelectorAll<HTMLElement>('.month')].filter(
        (m) => m.getBoundingClientRect().top <= top + 1,
      );
      return above.sort((a, b) => b.getBoundingClientRect().top - a.getBoundingClientRect().top)[0]
        ?.textContent;
    });
    expect(atTop).toBe('August 2021');
    expect(await page.textContent('#sticky-month')).toBe(atTop);

    // The focused tile scrolled out (removed by the virtualizer) and back gets the focus again.
    await press(page, 'ArrowLeft');
    expect((await focused(page)).index).toBe(58);
    await page.evaluate(() => {
      document.getElementById('grid')!.scrollTop = 0;
    });
    await page.waitForFunction(() => !document.querySelector('.tile[data-index="58"]'));
    expect((await focused(page)).index).toBeUndefined();
    await page.evaluate(() => {
      const grid = document.getElementById('grid')!;
      grid.scrollTop = grid.scrollHeight;
    });
    await page.waitForFunction(() => (document.activeElement as HTMLElement).dataset.index === '58');
    // An arrow pressed while it was away brings it back into view, one step on.
    await page.evaluate(() => {
      document.getElementById('grid')!.scrollTop = 0;
    });
    await page.waitForFunction(() => !document.querySelector('.tile[data-index="58"]'));
    await press(page, 'ArrowLeft');
    expect(await focused(page)).toMatchObject({ index: 57, whole: true });

    // Enter opens the lightbox on it; Esc returns the focus to the tile of the photo last shown,
    // scrolled back into view.
    await press(page, 'Enter');
    await page.waitForFunction(() => document.getElementById('lightbox')!.dataset.loaded === '57');
    await press(page, 'ArrowLeft');
    await page.waitForFunction(() => document.getElementById('lightbox')!.dataset.loaded === '56');
    await page.evaluate(() => {
      document.getElementById('grid')!.scrollTop = 0;
    });
    await page.waitForFunction(() => !document.querySelector('.tile[data-index="56"]'));
    await press(page, 'Escape');
    expect(await page.isHidden('#lightbox')).toBe(true);
    expect(await focused(page)).toMatchObject({ index: 56, title: 'p056.jpg', whole: true });
  });

  it('opens the lightbox as a modal dialog named by the file, keeping the focus inside until Esc', async () => {
    const { files, dates } = await manyPhotos(4, 4);
    const { catalog } = await scannedRoot(made, files, dates);
    const { page } = await chromium.openGallery([catalog]);
    await visibleThumbnails(page);
    await page.focus('.tile[data-index="1"]');
    await press(page, 'Enter');
    await page.waitForFunction(() => document.getElementById('lightbox')!.dataset.loaded === '1');
    const dialog = await page.evaluate(() => {
      const box = document.getElementById('lightbox')!;
      return {
        role: box.getAttribute('role'),
        modal: box.getAttribute('aria-modal'),
        label: document.getElementById(box.getAttribute('aria-labelledby') ?? '')?.textContent,
        focusInside: box.contains(document.activeElement),
        inert: [...document.body.children]
          .filter((e) => e !== box && e.tagName !== 'SCRIPT')
          .map((e) => (e as HTMLElement).inert),
      };
    });
    expect(dialog).toMatchObject({ role: 'dialog', modal: 'true', label: 'p001.jpg', focusInside: true });
    expect(dialog.inert.every(Boolean)).toBe(true);
    // The name follows the photo shown.
    await press(page, 'ArrowRight');
    await page.waitForFunction(() => document.getElementById('lightbox')!.dataset.loaded === '2');
    expect(await page.textContent('#lightbox-title')).toBe('p002.jpg');
    // Tab and Shift+Tab go round its controls and never leave it.
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press(i < 6 ? 'Tab' : 'Shift+Tab');
      const at = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement;
        return { inside: document.getElementById('lightbox')!.contains(a), id: a.id || a.tagName };
      });
      expect(at.inside, `after ${i + 1} presses`).toBe(true);
      seen.add(at.id);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['prev', 'next', 'star', 'close']));
    expect(await page.getAttribute('#star', 'aria-pressed')).toBe('false');
    await press(page, 'Escape');
    expect(await page.isHidden('#lightbox')).toBe(true);
    expect(await focused(page)).toMatchObject({ index: 2, title: 'p002.jpg', inLightbox: false });
    expect(await page.evaluate(() => document.querySelector('main')!.inert)).toBe(false);
  });

  it('labels each year once on the scrubber without overlap, and marks the month viewed', async () => {
    // 60 years of months: more year labels than the track has room for.
    const { catalog, months } = await datedCatalog(60 * 12);
    const { page } = await chromium.openGallery([catalog]);
    await visibleThumbnails(page);
    const labels = await page.evaluate(() => {
      const track = document.getElementById('scrubber')!.getBoundingClientRect();
      return [...document.querySelectorAll<HTMLElement>('#scrubber button.year')].map((b) => {
        const r = b.querySelector('span')!.getBoundingClientRect();
        return {
          year: b.textContent,
          shown: getComputedStyle(b.querySelector('span')!).visibility === 'visible',
          top: r.top,
          bottom: r.bottom,
          inside: r.top >= track.top - 0.5 && r.bottom <= track.bottom + 0.5,
        };
      });
    });
    expect(labels.map((l) => l.year)).toEqual(Array.from({ length: 60 }, (_, i) => String(2019 - i)));
    const shown = labels.filter((l) => l.shown);
    expect(shown[0]!.year).toBe('2019');
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.length).toBeLessThan(60);
    for (const label of shown) expect(label.inside, label.year!).toBe(true);
    for (let i = 1; i < shown.length; i++)
      expect(shown[i]!.top, `${shown[i - 1]!.year} and ${shown[i]!.year}`).toBeGreaterThanOrEqual(
        shown[i - 1]!.bottom - 0.5,
      );
    expect(await page.textContent('#scrubber-now')).toBe('Dec 2019');
    expect(await page.textContent('#sticky-month')).toBe('December 2019');

    // A click on the track a third of the way down: the month under the pointer is shown (a month
    // is about a pixel of the track here; the one drawn over the pixel is the one clicked).
    const aimed = months[Math.floor(months.length / 3)]!;
    const point = await page.$eval(`#scrubber button[data-month="${aimed}"]`, (b) => {
      const r = b.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    });
    const target = await page.evaluate(
      (p) => (document.elementFromPoint(p.x, p.y) as HTMLElement).dataset.month!,
      point,
    );
    expect(Math.abs(months.indexOf(target) - months.indexOf(aimed))).toBeLessThanOrEqual(1);
    await page.mouse.click(point.x, point.y);
    await page.waitForFunction(
      (month) => document.querySelector('#scrubber button.current')?.getAttribute('data-month') === month,
      target,
    );
    const label = new Date(`${target}-01T00:00:00Z`).toLocaleString('en', {
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    expect(await page.textContent('#scrubber-now')).toBe(`${label.slice(0, 3)} ${label.slice(-4)}`);
    expect(await page.textContent('#sticky-month')).toBe(label);
    expect(await page.getAttribute('#scrubber button.current', 'aria-current')).toBe('true');
    expect(await page.$$eval('#scrubber button.current', (b) => b.length)).toBe(1);

    // Scrolled by hand into the middle of a month, the sticky header still names it.
    const next = await page.evaluate(() => {
      const grid = document.getElementById('grid')!;
      grid.scrollTop += 120;
      return grid.scrollTop;
    });
    expect(next).toBeGreaterThan(0);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    expect(await page.textContent('#sticky-month')).toBe(label);
    expect(await page.evaluate(() => document.querySelectorAll('*').length)).toBeLessThan(3000);

    // At the oldest month, its name stays on the track.
    await page.evaluate(() => {
      const grid = document.getElementById('grid')!;
      grid.scrollTop = grid.scrollHeight;
    });
    await page.waitForFunction(() => document.getElementById('scrubber-now')!.textContent!.endsWith(' 1960'));
    const now = await page.evaluate(() => {
      const track = document.getElementById('scrubber')!.getBoundingClientRect();
      const r = document.getElementById('scrubber-now')!.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, trackBottom: track.bottom };
    });
    expect(now.bottom).toBeLessThanOrEqual(now.trackBottom + 0.5);
    expect(now.bottom - now.top).toBeGreaterThan(10);
  });

  it('says why a view is empty, and clears the search, folder or starred filter that made it', async () => {
    const { catalog } = await scannedRoot(made, {
      'trip/beach.jpg': await syntheticJpeg(1),
      'home.jpg': await syntheticJpeg(2),
    });
    const { page } = await chromium.openGallery([catalog]);
    await visibleThumbnails(page);
    expect(await page.isHidden('#empty')).toBe(true);
    await page.fill('#search', 'xyz');
    await waitForTotal(page, 0);
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
    await waitForTotal(page, 1);
    expect(await page.inputValue('#search')).toBe('');
    expect(await page.isHidden('#empty')).toBe(true);
    expect(await page.$$eval('.tile', (t) => t.map((e) => (e as HTMLElement).title))).toEqual(['beach.jpg']);
    // No starred photo in the folder.
    await page.check('#starred');
    await waitForTotal(page, 0);
    expect(await page.textContent('#empty p')).toBe('No starred photos in the folder trip.');
    await page.click('#empty button:has-text("Show all photos, starred or not")');
    await waitForTotal(page, 1);
    expect(await page.isChecked('#starred')).toBe(false);
    expect(await page.isHidden('#empty')).toBe(true);
  });

  it('shows a rendered preview loading until its JPEG comes, and names the file and the reason when it fails', async () => {
    const tiff = (red: number) =>
      sharp({ create: { width: 320, height: 240, channels: 3, background: { r: red, g: 90, b: 30 } } })
        .tiff()
        .toBuffer();
    const { root, catalog } = await scannedRoot(
      made,
      { 'scan.tif': await tiff(200), 'bad.tif': await tiff(40) },
      { 'scan.tif': new Date(Date.UTC(2021, 5, 2)), 'bad.tif': new Date(Date.UTC(2021, 5, 1)) },
    );
    const { page } = await chromium.openGallery([catalog]);
    await visibleThumbnails(page);
    // The rendered JPEG is held back until the test lets it through.
    const { release } = await heldRoute(page, '**/previews/**');
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
    // Its details come after the failure is said (the order a loaded server may give): the
    // broken preview must not show again beside the reason.
    const { release: releaseDetail } = await heldRoute(page, '**/api/roots/*/photos/*');
    await page.click('.tile[title="bad.tif"]');
    await page.waitForSelector('#problem:not([hidden])');
    releaseDetail();
    await page.waitForFunction(() => {
      const box = document.getElementById('lightbox');
      return box?.dataset.loaded !== undefined && box.dataset.loaded === box.dataset.index;
    });
    expect(await page.textContent('#problem')).toMatch(
      /^bad\.tif cannot be shown: .*changed since the last scan/,
    );
    expect(await page.isHidden('#loading')).toBe(true);
    expect(await page.isHidden('#preview')).toBe(true);
  });
});

/**
 * A catalog of `count` entries, one a month going back from December 2019, made in a second: a root
 * of one photo is scanned, then its snapshot copied with `count` rows reusing that photo's digest.
 */
async function datedCatalog(count: number): Promise<{ catalog: Catalog; months: string[] }> {
  const root = await tempDir('ga11y-years');
  cleanup.push(root);
  const cacheDir = await tempDir('ga11y-years-cache');
  cleanup.push(cacheDir);
  await writeTree(root, { 'a.jpg': await syntheticJpeg(1) });
  const scanner = await openRoot(root, cacheDir);
  await scanner.scan();
  await scanner.close();
  opened.splice(opened.indexOf(scanner), 1);
  const pointer = (await readFile(path.join(root, '.photolala.md5'), 'utf8')).split('\n')[0]!;
  const work = path.join(cacheDir, 'work.sqlite');
  await cp(path.join(root, `.photolala.${pointer}.sqlite`), work);
  const db = new Database(work);
  const template = db.prepare('SELECT * FROM entries').get() as Record<string, unknown>;
  const columns = Object.keys(template);
  const insert = db.prepare(
    `INSERT INTO entries (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  const months: string[] = [];
  db.transaction(() => {
    db.exec('DELETE FROM entries; DELETE FROM listing');
    for (let i = 0; i < count; i++) {
      const year = 2019 - Math.floor(i / 12);
      const month = `${year}-${String(12 - (i % 12)).padStart(2, '0')}`;
      months.push(month);
      insert.run({ ...template, path: `${year}/${month}.jpg`, taken_at: `${month}-15T12:00:00` });
    }
  })();
  db.close();
  const bytes = await readFile(work);
  const md5 = createHash('md5').update(bytes).digest('hex');
  await writeFile(path.join(root, `.photolala.${md5}.sqlite`), bytes);
  await writeFile(path.join(root, '.photolala.md5'), `${md5}\n`);
  return { catalog: await openRoot(root, cacheDir), months };
}
