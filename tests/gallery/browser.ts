import { existsSync } from 'node:fs';
import type { Catalog } from '@photolala/core';
import { type Gallery, type GalleryOptions, startGallery } from '@photolala/gallery';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type CliResult, startCli } from '../cli/run-cli.js';
import { servedUrl } from './served-url.js';

const CHROMIUM = '/usr/bin/chromium';

/** The window the gallery tests look through unless one says otherwise. */
export const VIEWPORT = { width: 1280, height: 800 };

/** Debian's chromium, driven by playwright-core: no browser download is possible here. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `the gallery's browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (or bash scripts/setup.sh)`,
    );
  return chromium.launch({ executablePath: CHROMIUM });
}

/** `photolala serve` running in a child process. */
export interface Serving {
  /** The URL it printed, with its token. */
  url: string;
  /** Stops it as Ctrl-C does (it saves pending stars); what it printed in all. Twice is harmless. */
  stop(): Promise<CliResult>;
}

export interface GalleryBrowser {
  /** Chromium, launched before the file's first test and closed after its last. */
  readonly browser: Browser;
  /** A page in a browser context of its own (no cookies shared, `options` added), closed after the test. */
  newPage(viewport?: { width: number; height: number }, options?: BrowserContextOptions): Promise<Page>;
  /** A new page at `url`, once the gallery has said how many photos its view holds. */
  open(url: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** The gallery server in this process (any free port unless given); closed after the test. */
  startGallery(options: GalleryOptions): Promise<Gallery>;
  /** The gallery server over `catalogs`, in a new page once it has said its view's count. */
  openGallery(
    catalogs: Catalog[],
    viewport?: { width: number; height: number },
  ): Promise<{ page: Page; gallery: Gallery }>;
  /** `photolala serve ARGS --port 0` with `env` added to the environment; stopped after the test. */
  serve(args: string[], env: Record<string, string>): Promise<Serving>;
}

/**
 * Chromium for a file of gallery tests: call it once at the top of the file. What a test starts
 * through it (pages, gallery servers, `photolala serve`) is stopped after that test, in that order:
 * the pages first, so that no page sees its server go. Register `cleanupAfterEach` before it, so
 * that the catalogs a gallery serves are closed after the gallery.
 */
export function useGalleryBrowser(): GalleryBrowser {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const galleries: Gallery[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    for (const gallery of galleries.splice(0)) await gallery.close();
    for (const stop of stops.splice(0)) await stop();
  });
  const handle: GalleryBrowser = {
    get browser() {
      if (!browser) throw new Error('useGalleryBrowser: Chromium is launched in beforeAll, not yet');
      return browser;
    },
    async newPage(viewport = VIEWPORT, options = {}) {
      const context = await handle.browser.newContext({ ...options, viewport });
      contexts.push(context);
      return context.newPage();
    },
    async open(url, viewport = VIEWPORT) {
      const page = await handle.newPage(viewport);
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.total !== undefined);
      return page;
    },
    async startGallery(options) {
      const gallery = await startGallery({ port: 0, ...options });
      // A test may close it itself (to see what the page says then): closed once.
      let closing: Promise<void> | undefined;
      const once = { ...gallery, close: () => (closing ??= gallery.close()) };
      galleries.push(once);
      return once;
    },
    async openGallery(catalogs, viewport) {
      const gallery = await handle.startGallery({ catalogs });
      return { page: await handle.open(gallery.url, viewport), gallery };
    },
    async serve(args, env) {
      const cli = startCli(['serve', ...args, '--port', '0'], env);
      let stopping: Promise<CliResult> | undefined;
      const stop = () => {
        if (!stopping) {
          cli.child.kill('SIGINT');
          stopping = cli.done;
        }
        return stopping;
      };
      stops.push(stop);
      return { url: await servedUrl(cli), stop };
    },
  };
  return handle;
}

/** Waits until the gallery's view counts `total` photos (`data-total`). */
export async function waitForTotal(page: Page, total: number): Promise<void> {
  await page.waitForFunction((n) => document.body.dataset.total === String(n), total);
}

/** Opens a tile's photo in the lightbox and waits until the lightbox shows it. */
export async function openTile(page: Page, name: string): Promise<void> {
  await page.click(`.tile[title="${name}"]`);
  await page.waitForFunction(() => {
    const box = document.getElementById('lightbox')!;
    return box.dataset.loaded === box.dataset.index;
  });
}

/** A fact the lightbox shows of its photo (`camera`, `date`, `path`, `root`, `name`...). */
export const field = (page: Page, name: string) => page.textContent(`#info dd[data-field="${name}"]`);

/** Waits until the grid has drawn its tiles and every one on screen has decoded its thumbnail. */
export async function visibleThumbnails(page: Page): Promise<{ count: number; widths: number[] }> {
  await page.waitForFunction(() => {
    const grid = document.getElementById('grid')!;
    const box = grid.getBoundingClientRect();
    const tiles = [...document.querySelectorAll<HTMLElement>('.tile')].filter((t) => {
      const r = t.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    });
    return tiles.length > 0 && tiles.every((t) => t.querySelector('img')?.complete);
  });
  return page.evaluate(() => {
    const grid = document.getElementById('grid')!;
    const box = grid.getBoundingClientRect();
    const imgs = [...document.querySelectorAll<HTMLElement>('.tile')]
      .filter((t) => {
        const r = t.getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom;
      })
      .map((t) => t.querySelector('img'));
    return { count: imgs.length, widths: imgs.map((img) => img?.naturalWidth ?? 0) };
  });
}
