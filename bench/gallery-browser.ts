/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The gallery measured in a real browser: Debian's headless Chromium, driven by playwright-core
// (no browser download is possible here), for the `gallery-browser` scenario of `pnpm bench`.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** The window the figures are taken in: a common laptop screen. */
export const VIEWPORT = { width: 1280, height: 800 };

/** How long the fast scroll takes from top to bottom: a drag of the scrollbar's thumb. */
export const SCROLL_MS = 5000;

export async function launchChromium(): Promise<Browser> {
  // The gallery servers started from here on (children inherit the environment) say how long each
  // answer took them (`Server-Timing`), which the phases below set apart from the browser's time.
  process.env.PHOTOLALA_SERVER_TIMING = '1';
  if (!existsSync(CHROMIUM))
    throw new Error(
      `the gallery-browser benchmark needs Chromium at ${CHROMIUM}: apt-get install -y chromium (or bash scripts/setup.sh)`,
    );
  return chromium.launch({ executablePath: CHROMIUM });
}

/** A thumbnail of the first screen: its photo-md5 and where the gallery drew it. */
export interface ScreenTile {
  md5: string;
  x: number;
  y: number;
  size: number;
}

/**
 * Opens `url` in a fresh context (an empty HTTP cache) after `start` has started its server, and
 * waits until every tile on screen is painted. Times from the server's start; the browser and its
 * page are made before the clock starts, since a user's browser is already running.
 */
export async function openPainted(
  browser: Browser,
  start: () => Promise<string>,
  tileSelector: string,
  now: () => number,
): Promise<{ ms: number; page: Page; tiles: ScreenTile[]; phases: Phases }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  // The phases are read from resource timings, whose buffer holds 250 by default.
  await page.addInitScript(() => performance.setResourceTimingBufferSize(100_000));
  const t0 = now();
  // The page's clock counts from its own origin: both are read as wall-clock milliseconds.
  const wallAt0 = performance.timeOrigin + performance.now();
  const url = await start();
  const listening = now() - t0;
  await page.goto(url, { waitUntil: 'commit' });
  const paint = await waitPainted(page, tileSelector);
  const ms = now() - t0;
  const phases = await pagePhases(page, tileSelector, wallAt0, listening);
  // The server's start in the page's clock, for the split of the thumbnails' time.
  const started = wallAt0 - (await page.evaluate(() => performance.timeOrigin));
  const urls = await screenSources(page, tileSelector);
  phases.split = splitText(await timings(page, started, urls), new Set(urls), paint, started);
  const tiles = await page.evaluate((selector) => {
    const box = document.getElementById('grid')?.getBoundingClientRect() ?? { top: 0, bottom: innerHeight };
    const [top, bottom] = [Math.max(0, box.top), Math.min(innerHeight, box.bottom)];
    return [...document.querySelectorAll<HTMLElement>(selector)].flatMap((tile) => {
      const r = tile.getBoundingClientRect();
      const img = tile instanceof HTMLImageElement ? tile : tile.querySelector('img');
      // A thumbnail the page carried is a data URL: the tile names its photo-md5.
      const md5 = img?.dataset.md5 ?? /([0-9a-f]{32})/.exec(img?.src ?? '')?.[1];
      return md5 && r.bottom > top && r.top < bottom
        ? [{ md5, x: Math.round(r.left), y: Math.round(r.top), size: Math.round(r.width) }]
        : [];
    });
  }, tileSelector);
  return { ms, page, tiles, phases: { ...phases, painted: Math.round(ms) } };
}

/**
 * Where the time to a painted first screen went, in ms from the server's start: the server
 * listening (its URL printed), the page's first and last byte, the first request for a thumbnail
 * on screen and the last of them answered, and the screen painted.
 */
export interface Phases {
  listening: number;
  htmlFirstByte: number;
  htmlLoaded: number;
  firstThumbnailAsked: number;
  lastThumbnailLoaded: number;
  painted: number;
  /** The same screen's requests in detail (see `splitText`), in ms from the server's start. */
  split?: string;
}

/**
 * The phases in one line: `listen 900, html 950-960, thumbs 1000-1400, painted 1450`. A screen
 * whose thumbnails made no request the browser timed (none visible, or all from its cache) has no
 * thumbnail phase: `thumbs not measured`, not the empty min and max (`Infinity--Infinity`).
 */
export const phaseText = (p: Phases) => {
  const thumbs =
    Number.isFinite(p.firstThumbnailAsked) && Number.isFinite(p.lastThumbnailLoaded)
      ? `${p.firstThumbnailAsked}-${p.lastThumbnailLoaded}`
      : 'not measured';
  return `listen ${p.listening}, html ${p.htmlFirstByte}-${p.htmlLoaded}, thumbs ${thumbs}, painted ${p.painted}${p.split ? ` [${p.split}]` : ''}`;
};

async function pagePhases(
  page: Page,
  tileSelector: string,
  wallAt0: number,
  listening: number,
): Promise<Omit<Phases, 'painted' | 'split'> & { split?: string }> {
  const times = await page.evaluate((selector) => {
    const box = document.getElementById('grid')?.getBoundingClientRect() ?? { top: 0, bottom: innerHeight };
    const [top, bottom] = [Math.max(0, box.top), Math.min(innerHeight, box.bottom)];
    const urls = new Set(
      [...document.querySelectorAll<HTMLElement>(selector)].flatMap((tile) => {
        const r = tile.getBoundingClientRect();
        const img = tile instanceof HTMLImageElement ? tile : tile.querySelector('img');
        return img?.src && r.bottom > top && r.top < bottom ? [img.src] : [];
      }),
    );
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const thumbs = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) =>
      urls.has(r.name),
    );
    return {
      origin: performance.timeOrigin,
      htmlFirstByte: nav.responseStart,
      htmlLoaded: nav.responseEnd,
      firstThumbnailAsked: Math.min(...thumbs.map((r) => r.startTime)),
      lastThumbnailLoaded: Math.max(...thumbs.map((r) => r.responseEnd)),
    };
  }, tileSelector);
  const at = (pageMs: number) => Math.round(times.origin + pageMs - wallAt0);
  return {
    listening: Math.round(listening),
    htmlFirstByte: at(times.htmlFirstByte),
    htmlLoaded: at(times.htmlLoaded),
    firstThumbnailAsked: at(times.firstThumbnailAsked),
    lastThumbnailLoaded: at(times.lastThumbnailLoaded),
  };
}

/**
 * Resolves once the screen shows tiles and every one of them has its thumbnail loaded, decoded
 * (`img.decode()`) and a frame drawn after that: what the user sees, not what the network did.
 */
export async function waitPainted(page: Page, tileSelector: string): Promise<PaintTimes> {
  // One evaluation that loops on frames: waitForFunction takes a promise for a truthy answer.
  const painted = await page.evaluate(async (selector) => {
    const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
    const t0 = performance.now();
    while (performance.now() - t0 < 60_000) {
      await frame();
      // The grid scrolls under the page's header: what is on screen is what lies inside both.
      const box = document.getElementById('grid')?.getBoundingClientRect() ?? { top: 0, bottom: innerHeight };
      const [top, bottom] = [Math.max(0, box.top), Math.min(innerHeight, box.bottom)];
      const onScreen = [...document.querySelectorAll<HTMLElement>(selector)].filter((tile) => {
        const r = tile.getBoundingClientRect();
        return r.bottom > top && r.top < bottom && r.width > 0;
      });
      const imgs = onScreen.map((tile) =>
        tile instanceof HTMLImageElement ? tile : tile.querySelector('img'),
      );
      if (onScreen.length === 0 || !imgs.every((img) => img?.complete && img.naturalWidth > 0)) continue;
      const complete = performance.now();
      await Promise.all(imgs.map((img) => img!.decode().catch(() => undefined)));
      const decoded = performance.now();
      await frame();
      await frame();
      return { complete, decoded, painted: performance.now() };
    }
    return undefined;
  }, tileSelector);
  if (!painted) throw new Error(`${page.url()}: the screen's thumbnails were not all painted within 60 s`);
  return painted;
}

/**
 * When the screen's thumbnails were all loaded (seen at a frame), decoded, and painted (two frames
 * later), in the page's clock.
 */
export interface PaintTimes {
  complete: number;
  decoded: number;
  painted: number;
}

/**
 * One request as the browser's resource timing tells it, in ms from `t0`: asked, sent (a
 * connection was free: Chromium holds 6 per host), first byte, last byte, and the server's own time
 * (`Server-Timing`), when it says.
 */
interface Timed {
  name: string;
  asked: number;
  sent: number;
  firstByte: number;
  loaded: number;
  server?: number;
}

/** The page's resource timings from `t0` on (page clock), with those of `urls` marked. */
async function timings(page: Page, t0: number, urls?: string[]): Promise<(Timed & { visible: boolean })[]> {
  return page.evaluate(
    ([from, wanted]) => {
      const set = new Set(wanted ?? []);
      return (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((r) => r.responseEnd >= from)
        .map((r) => {
          const server = r.serverTiming.find((t) => t.name === 'app')?.duration;
          return {
            name: r.name,
            asked: r.startTime - from,
            // requestStart is 0 for a request that never went out (a cancelled one).
            sent: (r.requestStart || r.startTime) - from,
            firstByte: r.responseStart - from,
            loaded: r.responseEnd - from,
            ...(server === undefined ? {} : { server }),
            visible: set.has(r.name),
          };
        });
    },
    [t0, urls] as const,
  );
}

/** The `src` of every tile's image on screen now. */
const screenSources = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const box = document.getElementById('grid')?.getBoundingClientRect() ?? { top: 0, bottom: innerHeight };
    const [top, bottom] = [Math.max(0, box.top), Math.min(innerHeight, box.bottom)];
    return [...document.querySelectorAll<HTMLElement>(sel)].flatMap((tile) => {
      const r = tile.getBoundingClientRect();
      const img = tile instanceof HTMLImageElement ? tile : tile.querySelector('img');
      return img?.src && r.bottom > top && r.top < bottom ? [img.src] : [];
    });
  }, selector);

const median = (xs: number[]) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : Number.NaN;
const r0 = (ms: number) => (Number.isFinite(ms) ? Math.round(ms) : '-');

/**
 * Where a screen's time went, from the resource timings (ms from `t0`): its rows' requests (asked,
 * answered, the server's share), the screen's thumbnails (how many, asked from-to, the median wait
 * for a connection and the median server time, loaded from-to), how many other thumbnails (the
 * margin's) were loaded before the screen's last one, then loaded, decoded and painted.
 */
function splitText(all: Timed[], visible: Set<string>, paint: PaintTimes, t0: number): string {
  const rows = all.filter((r) => /\/api\/(photos|starts|view|screen)/.test(r.name));
  const thumbs = all.filter((r) => visible.has(r.name));
  const lastVisible = Math.max(...thumbs.map((r) => r.loaded));
  const others = all.filter(
    (r) => r.name.includes('/thumbnails/') && !visible.has(r.name) && r.loaded <= lastVisible,
  );
  const span = (xs: number[]) => `${r0(Math.min(...xs))}-${r0(Math.max(...xs))}`;
  const rowText = rows.length
    ? `rows ${rows.length} ${span(rows.map((r) => r.asked))}->${span(rows.map((r) => r.loaded))} (server ${rows.map((r) => r0(r.server ?? Number.NaN)).join('/')})`
    : 'rows none';
  return `${rowText}; thumbs ${thumbs.length} asked ${span(thumbs.map((r) => r.asked))}, wait med ${r0(median(thumbs.map((r) => r.sent - r.asked)))}, ttfb med ${r0(median(thumbs.map((r) => r.firstByte - r.sent)))} (server ${r0(median(thumbs.map((r) => r.server ?? Number.NaN)))}), loaded ${span(thumbs.map((r) => r.loaded))}; others ${others.length}; complete ${r0(paint.complete - t0)}, decoded ${r0(paint.decoded - t0)}, painted ${r0(paint.painted - t0)}`;
}

/** The baseline page: the same first screen of thumbnails as plain <img>s, where the gallery drew them. */
export function staticPageHtml(tiles: ScreenTile[]): string {
  const imgs = tiles
    .map(
      (t) =>
        `<img class="tile" decoding="async" alt="" src="/${t.md5.slice(0, 2)}/${t.md5}.jpg" style="left:${t.x}px;top:${t.y}px;width:${t.size}px;height:${t.size}px">`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>static first screen</title>
<style>body{margin:0;background:#111}img{position:absolute;display:block}</style></head>
<body>
${imgs}
</body></html>
`;
}

/**
 * The baseline's server: `/` is the page given as the second argument, and `/xx/md5.jpg` the
 * thumbnail of that name in the folder given as the first. Prints its port.
 */
export const STATIC_PAGE_SERVER = `const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const [root, pageFile] = process.argv.slice(1);
http.createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    return fs.createReadStream(pageFile).pipe(res);
  }
  if (!/^\\/[0-9a-f]{2}\\/[0-9a-f]{32}\\.jpg$/.test(req.url)) { res.writeHead(404); return res.end(); }
  fs.readFile(path.join(root, req.url), (error, data) => {
    if (error) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'public, max-age=31536000, immutable' });
    res.end(data);
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

/**
 * Jumps the gallery: with the scrubber's button for `month` when given, else by setting the grid's
 * scroll position to `fraction` of its height (what a scrubber click does, for a catalog with too
 * few months to pick a middle one). Times until every tile on screen is painted, in the page.
 */
export async function jump(
  page: Page,
  to: { month: string } | { fraction: number },
): Promise<{ ms: number; phases: string }> {
  const started = await page.evaluate((target) => {
    const t0 = performance.now();
    const grid = document.getElementById('grid')!;
    if ('month' in target)
      document.querySelector<HTMLButtonElement>(`#scrubber button[data-month="${target.month}"]`)!.click();
    else grid.scrollTop = Math.round((grid.scrollHeight - grid.clientHeight) * target.fraction);
    return t0;
  }, to);
  const paint = await waitPainted(page, '.tile');
  // As before the split was added: until the page is asked, after its screen painted.
  const ms = (await page.evaluate(() => performance.now())) - started;
  const urls = await screenSources(page, '.tile');
  return { ms, phases: splitText(await timings(page, started, urls), new Set(urls), paint, started) };
}

/**
 * Scrolls the grid from top to bottom in `SCROLL_MS`, one step a frame, then waits for the last
 * screen to paint (up to 10 s). Reports the frames (requestAnimationFrame gaps) over 50 ms, and the
 * tiles that were on screen blank (no decoded thumbnail) for more than 500 ms: a tile that leaves
 * the screen stops counting; the last screen counts until its thumbnails show.
 */
export async function fastScroll(page: Page): Promise<{
  frames: number;
  slowFrames: number;
  slowFrameShare: number;
  longestFrameMs: number;
  tilesSeen: number;
  blankOver500ms: number;
  longestBlankMs: number;
  settleMs: number;
}> {
  await page.evaluate(() => {
    document.getElementById('grid')!.scrollTop = 0;
  });
  await waitPainted(page, '.tile');
  return page.evaluate(async (duration) => {
    const grid = document.getElementById('grid')!;
    const max = grid.scrollHeight - grid.clientHeight;
    /** Per tile element on screen: when it was first seen blank, and for how long it stayed so. */
    const blankSince = new Map<Element, number>();
    const blankFor: number[] = [];
    const seen = new Set<Element>();
    const painted = (img: HTMLImageElement | null) => !!img && img.complete && img.naturalWidth > 0;
    const box = grid.getBoundingClientRect();
    const look = (time: number) => {
      const onScreen = new Set<Element>();
      for (const tile of document.querySelectorAll<HTMLElement>('.tile')) {
        const r = tile.getBoundingClientRect();
        if (r.bottom <= box.top || r.top >= box.bottom) continue;
        onScreen.add(tile);
        seen.add(tile);
        const blank = !painted(tile.querySelector('img'));
        const since = blankSince.get(tile);
        if (blank && since === undefined) blankSince.set(tile, time);
        if (!blank && since !== undefined) {
          blankFor.push(time - since);
          blankSince.delete(tile);
        }
      }
      for (const [tile, since] of blankSince)
        if (!onScreen.has(tile)) {
          blankFor.push(time - since);
          blankSince.delete(tile);
        }
      return onScreen.size > 0 && blankSince.size === 0;
    };
    const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
    const gaps: number[] = [];
    const t0 = await frame();
    let last = t0;
    for (;;) {
      const t = await frame();
      gaps.push(t - last);
      last = t;
      // The grid's scroll handler has drawn the last step by now (scroll events come before frames).
      look(t);
      const progress = Math.min(1, (t - t0) / duration);
      if (progress >= 1) break;
      grid.scrollTop = Math.round(max * progress);
    }
    grid.scrollTop = max;
    const stopped = last;
    let settled = false;
    while (!settled && last - stopped < 10_000) {
      last = await frame();
      settled = look(last);
    }
    for (const since of blankSince.values()) blankFor.push(last - since);
    const slow = gaps.filter((g) => g > 50).length;
    return {
      frames: gaps.length,
      slowFrames: slow,
      slowFrameShare: +(slow / gaps.length).toFixed(3),
      longestFrameMs: Math.round(Math.max(...gaps)),
      tilesSeen: seen.size,
      blankOver500ms: blankFor.filter((ms) => ms > 500).length,
      longestBlankMs: Math.round(Math.max(0, ...blankFor)),
      settleMs: Math.round(last - stopped),
    };
  }, SCROLL_MS);
}

/** The page's JS heap after a garbage collection, and its document's elements and nodes (text included). */
export async function pageMemory(
  page: Page,
): Promise<{ jsHeapMb: number; domElements: number; domNodes: number; rendererNodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
  const { domElements, domNodes } = await page.evaluate(() => {
    const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
    let nodes = 1;
    while (walker.nextNode()) nodes++;
    return { domElements: document.getElementsByTagName('*').length, domNodes: nodes };
  });
  await cdp.detach();
  return {
    jsHeapMb: +(metric('JSHeapUsedSize') / 1048576).toFixed(1),
    domElements,
    domNodes,
    // Chromium's count of every node its renderer holds, detached ones not yet collected included.
    rendererNodes: metric('Nodes'),
  };
}
