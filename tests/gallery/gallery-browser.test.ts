import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, REPO_ROOT, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { field, openTile, useGalleryBrowser, visibleThumbnails, waitForTotal } from './browser.js';

const { cleanup } = cleanupAfterEach();
const chromium = useGalleryBrowser();

/** The fixture photos, the landscapes in a folder of their own, scanned. */
async function fixtureRoot() {
  const root = await tempDir('gallery-root');
  const cache = await tempDir('gallery-cache');
  cleanup.push(root, cache);
  await cp(FIXTURES, root, { recursive: true });
  await mkdir(path.join(root, 'landscapes'));
  for (const name of await readdir(root))
    if (name.startsWith('landscape_'))
      await rename(path.join(root, name), path.join(root, 'landscapes', name));
  const env = { PHOTOLALA_CACHE_DIR: cache };
  expect((await runCli(['scan', root], env)).code).toBe(0);
  return { root, env };
}

async function serve(args: string[], env: Record<string, string>): Promise<string> {
  return (await chromium.serve(args, env)).url;
}

const total = (page: Page) => page.evaluate(() => Number(document.body.dataset.total));

describe('the gallery in Chromium', () => {
  it('shows every photo of the fixture root as a 256x256 thumbnail (and, with PHOTOLALA_WRITE_SCREENSHOT=1, makes the README screenshot)', async () => {
    const { root, env } = await fixtureRoot();
    // Tall enough for all six months of the fixtures.
    const page = await chromium.open(await serve([root], env), { width: 1400, height: 1600 });
    expect(await total(page)).toBe(14); // 15 files, one of them NOTICE.md
    const { count, widths } = await visibleThumbnails(page);
    expect(count).toBe(14);
    expect(widths).toEqual(Array(14).fill(256));
    // Only on request (`pnpm screenshot`): every run rewrote the committed image, dirtying the tree.
    if (process.env.PHOTOLALA_WRITE_SCREENSHOT === '1')
      await page.screenshot({ path: path.join(REPO_ROOT, 'docs/gallery.png') });
  });

  it("asks for the first screen's thumbnails from the page's head, each once", async () => {
    const { root, env } = await fixtureRoot();
    const url = await serve([root], env);
    const page = await chromium.newPage({ width: 1400, height: 1600 });
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/thumbnails/')) asked.push(new URL(request.url()).pathname);
    });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.total !== undefined);
    const { count } = await visibleThumbnails(page);
    expect(count).toBe(14);
    const { preloaded, tiles } = await page.evaluate(() => ({
      preloaded: [...document.head.querySelectorAll<HTMLLinkElement>('link[rel=preload][as=image]')].map(
        (link) => new URL(link.href).pathname,
      ),
      tiles: [...document.querySelectorAll<HTMLImageElement>('.tile img')]
        .sort((a, b) => Number(a.parentElement!.dataset.index) - Number(b.parentElement!.dataset.index))
        .map((img) => new URL(img.src).pathname),
    }));
    // The head names every tile's thumbnail, in the grid's order, at the URL the tile uses.
    expect(tiles).toHaveLength(14);
    expect(preloaded).toEqual(tiles);
    // The tiles took the preloaded answers: no thumbnail was asked for twice.
    expect([...asked].sort()).toEqual([...tiles].sort());
  });

  it('opens the lightbox, steps with the arrows, and shows the metadata of a known photo', async () => {
    const { root, env } = await fixtureRoot();
    const page = await chromium.open(await serve([root], env));
    await openTile(page, 'Canon_40D.jpg');
    expect(await field(page, 'camera')).toBe('Canon EOS 40D');
    expect(await field(page, 'date')).toContain('2008-05-30 15:56:01');
    expect(await field(page, 'path')).toBe('Canon_40D.jpg');
    expect(await field(page, 'root')).toBe(root);
    const index = await page.getAttribute('#lightbox', 'data-index');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(
      (i) => document.getElementById('lightbox')!.dataset.loaded === String(Number(i) + 1),
      index,
    );
    expect(await field(page, 'name')).not.toBe('Canon_40D.jpg');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((i) => document.getElementById('lightbox')!.dataset.loaded === i, index);
    expect(await field(page, 'camera')).toBe('Canon EOS 40D');
    expect(
      await page.evaluate(() => (document.getElementById('preview') as HTMLImageElement).naturalWidth),
    ).toBe(100);
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#lightbox')).toBe(true);
  });

  it('stars with s, and photolala list --starred shows the photo', async () => {
    const { root, env } = await fixtureRoot();
    const url = await serve([root], env);
    const page = await chromium.open(url);
    await openTile(page, 'DSCN0010.jpg');
    await page.keyboard.press('s');
    await page.waitForSelector('#star.on');
    // Saved a second after the last change, as `photolala star` saves when it finishes.
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('stars saved'));
    const list = await runCli(['list', root, '--starred', '--json'], env);
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).path),
    ).toEqual(['DSCN0010.jpg']);
    await page.keyboard.press('Escape');
    await page.check('#starred');
    await waitForTotal(page, 1);
  });

  it('narrows to a folder, then by name; and shows a HEIC', async () => {
    const { root, env } = await fixtureRoot();
    const page = await chromium.open(await serve([root], env));
    await page.selectOption('#folder', 'landscapes');
    await waitForTotal(page, 8);
    await page.fill('#search', 'landscape_3');
    await waitForTotal(page, 1);
    expect((await visibleThumbnails(page)).count).toBe(1);
    await page.selectOption('#folder', '');
    await page.fill('#search', 'heic');
    await waitForTotal(page, 1);
    await openTile(page, 'iphone_13_pro_max.HEIC');
    await page.waitForFunction(
      () => (document.getElementById('preview') as HTMLImageElement).naturalWidth > 0,
    );
    const size = await page.evaluate(() => {
      const img = document.getElementById('preview') as HTMLImageElement;
      return Math.max(img.naturalWidth, img.naturalHeight);
    });
    expect(size).toBe(2048);
    expect(await field(page, 'camera')).toContain('iPhone 13 Pro Max');
  });

  it('shows tiles live while --scan digests the photos', async () => {
    const root = await tempDir('gallery-live');
    const cache = await tempDir('gallery-live-cache');
    cleanup.push(root, cache);
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++) files[`p${i}.jpg`] = await syntheticJpeg(100 + i, 640, 480); // over 4 KiB: read whole, slowly
    await writeTree(root, files);
    // The alias plug-in's slow reads make the scan last seconds: long enough to watch.
    const env = {
      PHOTOLALA_CACHE_DIR: cache,
      PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}`,
      ALIAS_READ_DELAY_MS: '1500',
    };
    const url = await serve([`alias://${root}`, '--scan', '--concurrency', '1'], env);
    const page = await chromium.newPage();
    await page.goto(url);
    await page.waitForFunction(
      () =>
        document.querySelectorAll('.tile img').length > 0 &&
        document.getElementById('status')!.textContent!.startsWith('scanning'),
    );
    await page.waitForFunction(() =>
      document.getElementById('status')!.textContent!.includes('scan finished'),
    );
    await waitForTotal(page, 12);
    expect((await visibleThumbnails(page)).widths).toEqual(Array(12).fill(256));
    // Still said once the scan's last refresh has come (it said "12 photos" then).
    await page.waitForTimeout(1000);
    expect(await page.textContent('#status')).toBe('12 photos · scan finished');
  });

  it('jumps with the scrubber to the oldest month of a 100,000-photo catalog', async () => {
    const { root, cache, env, months, names, md5s } = await largeCatalog(100_000);
    expect(new Set(md5s.values()).size).toBe(3);
    /** The SHA-256 of each photo's cached thumbnail file. */
    const thumbnailSha = new Map<string, string>();
    for (const md5 of new Set(md5s.values()))
      thumbnailSha.set(
        md5,
        createHash('sha256')
          .update(await readFile(path.join(cache, 'local', 'thumbnails', md5.slice(0, 2), `${md5}.jpg`)))
          .digest('hex'),
      );
    const url = await serve([root], env);
    const page = await chromium.newPage();
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/')) asked.push(new URL(request.url()).pathname);
    });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.total !== undefined);
    expect(await total(page)).toBe(100_000);
    await visibleThumbnails(page);
    /** The tiles on screen, by their place in the timeline: the photo each shows. */
    const onScreen = () =>
      page.evaluate(() => {
        const box = document.getElementById('grid')!.getBoundingClientRect();
        return [...document.querySelectorAll<HTMLElement>('.tile')]
          .filter(
            (t) => t.getBoundingClientRect().bottom > box.top && t.getBoundingClientRect().top < box.bottom,
          )
          .map((t) => [Number(t.dataset.index), t.title] as [number, string]);
      });
    /** The SHA-256 of the bytes each tile on screen shows, by its place in the timeline. */
    const shownSha = () =>
      page.evaluate(async () => {
        const box = document.getElementById('grid')!.getBoundingClientRect();
        const tiles = [...document.querySelectorAll<HTMLElement>('.tile')].filter(
          (t) => t.getBoundingClientRect().bottom > box.top && t.getBoundingClientRect().top < box.bottom,
        );
        return Promise.all(
          tiles.map(async (t) => {
            const bytes = await (await fetch(t.querySelector('img')!.src)).arrayBuffer();
            const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
            return [
              Number(t.dataset.index),
              [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
            ] as [number, string];
          }),
        );
      });
    // A month in the middle, at once (its rows come by a page read for it), then the oldest.
    for (const month of [months[Math.floor(months.length / 2)]!, months[months.length - 1]!]) {
      await page.click(`#scrubber button[data-month="${month}"]`);
      const { count, widths } = await visibleThumbnails(page);
      expect(count).toBeGreaterThan(0);
      expect(widths).toEqual(Array(count).fill(256));
      const tiles = await onScreen();
      expect(tiles.length).toBe(count);
      // Each tile shows the photo at its place in the timeline (newest month first, newest first
      // within it, then by path); the month jumped to is on screen.
      for (const [index, name] of tiles) expect(name).toBe(names[index]);
      // ...and its thumbnail's bytes are that photo's.
      const shown = await shownSha();
      expect(shown.length).toBe(count);
      for (const [index, sha] of shown) expect(sha).toBe(thumbnailSha.get(md5s.get(names[index]!)!));
      expect(tiles.some(([, name]) => name.includes(`-${month}-`))).toBe(true);
    }
    // No month starts were asked for: each jump read the screen it shows (rows and thumbnails in
    // one answer), then the pages around it.
    expect(asked).not.toContain('/api/starts');
    expect(asked).toContain('/api/screen');
    expect(asked).toContain('/api/photos');
    const oldest = months[months.length - 1]!;
    const header = await page.evaluate(() => {
      const grid = document.getElementById('grid')!;
      const box = grid.getBoundingClientRect();
      return [...document.querySelectorAll<HTMLElement>('.month')]
        .filter(
          (m) => m.getBoundingClientRect().top >= box.top - 1 && m.getBoundingClientRect().top < box.bottom,
        )
        .map((m) => m.textContent);
    });
    expect(header[0]).toBe(
      new Date(`${oldest}-01T00:00:00Z`).toLocaleString('en', {
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      }),
    );
    // The page holds the tiles on screen and a margin, not 100,000.
    expect(await page.evaluate(() => document.querySelectorAll('*').length)).toBeLessThan(3000);
  });
});

/**
 * A catalog of `count` entries made in a second, not by scanning: a root of three real photos is
 * scanned, then its snapshot is copied with `count` rows that reuse those photos' digests under new
 * paths and dates (one month each across the years), and named by its MD5 in the root's pointer.
 */
async function largeCatalog(count: number) {
  const root = await tempDir('gallery-large');
  const cache = await tempDir('gallery-large-cache');
  cleanup.push(root, cache);
  await writeTree(root, {
    'a.jpg': await syntheticJpeg(1),
    'b.jpg': await syntheticJpeg(2),
    'c.jpg': await syntheticJpeg(3),
  });
  const env = { PHOTOLALA_CACHE_DIR: cache };
  expect((await runCli(['scan', root], env)).code).toBe(0);
  const pointer = (await readFile(path.join(root, '.photolala.md5'), 'utf8')).split('\n')[0]!;
  const work = path.join(cache, 'large.sqlite');
  await cp(path.join(root, `.photolala.${pointer}.sqlite`), work);
  const db = new Database(work);
  const template = db.prepare('SELECT * FROM entries ORDER BY path').all() as Record<string, unknown>[];
  const columns = Object.keys(template[0]!);
  const insert = db.prepare(
    `INSERT INTO entries (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  const months = new Set<string>();
  db.transaction(() => {
    db.exec('DELETE FROM entries; DELETE FROM listing');
    for (let i = 0; i < count; i++) {
      const month = i % 120;
      const year = 2010 + Math.floor(month / 12);
      const monthText = `${year}-${String((month % 12) + 1).padStart(2, '0')}`;
      months.add(monthText);
      insert.run({
        ...template[Math.floor(i / 120) % template.length]!,
        path: `${year}/${monthText}/photo-${monthText}-${String(i).padStart(6, '0')}.jpg`,
        taken_at: `${monthText}-${String((i % 28) + 1).padStart(2, '0')}T12:00:00`,
      });
    }
  })();
  db.close();
  const bytes = await readFile(work);
  const md5 = createHash('md5').update(bytes).digest('hex');
  await writeFile(path.join(root, `.photolala.${md5}.sqlite`), bytes);
  await writeFile(path.join(root, '.photolala.md5'), `${md5}\n`);
  // The timeline's order: newest month first, newest first within it (a day each), then by path.
  /**
   * The photo-md5 each name was given: the digests of the three real photos, in turn by the year of
   * rows (a month's neighbours differ, so a tile showing another's thumbnail is seen).
   */
  const md5s = new Map<string, string>();
  const names = Array.from({ length: count }, (_, i) => {
    const month = i % 120;
    const monthText = `${2010 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
    const name = `photo-${monthText}-${String(i).padStart(6, '0')}.jpg`;
    md5s.set(name, template[Math.floor(i / 120) % template.length]!.photo_md5 as string);
    return { month, day: i % 28, name };
  })
    .sort((a, b) => b.month - a.month || b.day - a.day || (a.name < b.name ? -1 : 1))
    .map((photo) => photo.name);
  return { root, cache, env, months: [...months].sort().reverse(), names, md5s };
}
