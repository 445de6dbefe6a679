import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, driven by playwright-core: no browser download is possible here. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `the gallery's browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (or bash scripts/setup.sh)`,
    );
  return chromium.launch({ executablePath: CHROMIUM });
}

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
