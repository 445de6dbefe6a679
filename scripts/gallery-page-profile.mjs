#!/usr/bin/env node
// The gallery page's own side of its first screen, for A/B runs of two builds: starts this
// checkout's `photolala serve` over a corpus once, then opens the page LOADS times in fresh Chromium
// contexts (1280x800, an empty HTTP cache), each with a CDP CPU profile (200 µs samples) and the
// page's long tasks, until every tile on screen has its thumbnail complete, decoded and painted.
// Prints one line a load (page clock, ms from navigation) and the medians: the HTML's last byte,
// first contentful paint, the screen's thumbnails loaded (network) and complete, painted, the long
// tasks' total before complete, and the main thread's busy time and `(program)` share of it.
//
//   node scripts/gallery-page-profile.mjs ROOT CACHE_DIR [LOADS] [LABEL] [--top]
//   e.g. ROOT=/work/main/.bench-cache/dated-100000 CACHE_DIR=/work/main/.bench-cache/cache-100000
// --top also prints each load's eight functions with the most self time.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const top = process.argv.includes('--top');
const [root, cacheDir, loads = '5', label = ''] = process.argv.slice(2).filter((a) => a !== '--top');
if (!root || !cacheDir) {
  console.error('usage: gallery-page-profile.mjs ROOT CACHE_DIR [LOADS] [LABEL]');
  process.exit(2);
}
const require = createRequire(new URL('../bench/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const cli = new URL('../packages/cli/bin/photolala.js', import.meta.url).pathname;
const server = spawn(process.execPath, [cli, '--cache-dir', cacheDir, 'serve', root, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.on('exit', () => server.kill());
const port = await new Promise((resolve) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
    if (match) resolve(match[1]);
  });
});
const url = `http://127.0.0.1:${port}/`;
const viewport = { width: 1280, height: 800 };
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
// A first load warms the server and the OS's page cache.
{
  const context = await browser.newContext({ viewport });
  await (await context.newPage()).goto(url);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await context.close();
}

const results = [];
for (let load = 0; load < Number(loads); load++) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__long = [];
    window.__paint = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__paint.push([e.name, e.startTime]);
    }).observe({ type: 'paint', buffered: true });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.goto(url, { waitUntil: 'commit' });
  const times = await page.evaluate(async () => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    for (;;) {
      await frame();
      const box = document.getElementById('grid')?.getBoundingClientRect() ?? { top: 0, bottom: innerHeight };
      const [top, bottom] = [Math.max(0, box.top), Math.min(innerHeight, box.bottom)];
      const tiles = [...document.querySelectorAll('.tile')].filter((tile) => {
        const r = tile.getBoundingClientRect();
        return r.bottom > top && r.top < bottom && r.width > 0;
      });
      const imgs = tiles.map((tile) => tile.querySelector('img'));
      if (!tiles.length || !imgs.every((img) => img?.complete && img.naturalWidth > 0)) continue;
      const complete = performance.now();
      await Promise.all(imgs.map((img) => img.decode().catch(() => undefined)));
      await frame();
      await frame();
      const painted = performance.now();
      const urls = new Set(imgs.map((img) => img.src));
      const thumbs = performance.getEntriesByType('resource').filter((r) => urls.has(r.name));
      const nav = performance.getEntriesByType('navigation')[0];
      const r = Math.round;
      return {
        tiles: tiles.length,
        html: r(nav.responseEnd),
        fcp: r(window.__paint.find(([name]) => name === 'first-contentful-paint')?.[1] ?? Number.NaN),
        thumbsLoaded: r(Math.max(...thumbs.map((t) => t.responseEnd))),
        complete: r(complete),
        painted: r(painted),
        longTasks: r(window.__long.filter(([s]) => s < complete).reduce((sum, [, d]) => sum + d, 0)),
      };
    }
  });
  const { profile } = await cdp.send('Profiler.stop');
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const { callFrame: f } = nodes.get(profile.samples[i]);
    const name = `${f.functionName || '(anonymous)'}${f.url ? `:${f.lineNumber}:${f.columnNumber}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  const busy = [...self].filter(([name]) => name !== '(idle)').reduce((sum, [, ms]) => sum + ms, 0);
  const result = { ...times, busy: Math.round(busy), program: Math.round(self.get('(program)') ?? 0) };
  results.push(result);
  console.log(label, JSON.stringify(result));
  if (top)
    console.log(
      '  ',
      [...self]
        .filter(([name]) => name !== '(idle)')
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
        .join(' | '),
    );
  await context.close();
}
const median = (key) => results.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
const keys = ['html', 'fcp', 'thumbsLoaded', 'complete', 'painted', 'longTasks', 'busy', 'program'];
console.log(label, 'median', JSON.stringify(Object.fromEntries(keys.map((k) => [k, median(k)]))));
await browser.close();
server.kill();
