/**
 * Memory aid for the full cold catalog: scans a folder into a fresh cache and prints, every 10 s and
 * at each phase change, resident memory beside V8's heap and external memory, to tell JavaScript
 * objects from native (sharp, SQLite, malloc) memory. Run from bench/:
 *   node --import tsx profile/full-memory.ts ../.bench-cache/small-100000 /tmp/photolala-full-cache
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';

const [root, cacheDir] = process.argv.slice(2) as [string, string];
for (const name of readdirSync(root)) if (name.startsWith('.photolala')) rmSync(path.join(root, name));
rmSync(cacheDir, { recursive: true, force: true });
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
let phase = 'open';
let peak = 0;
const sample = (why: string) => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  console.log(
    `${why.padEnd(10)} ${phase.padEnd(9)} rss ${mib(m.rss)} heapUsed ${mib(m.heapUsed)} heapTotal ${mib(m.heapTotal)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)}`,
  );
};
const timer = setInterval(() => sample('every 10s'), 10_000);
const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
catalog.events.on('progress', (p) => {
  if (p.phase !== phase) {
    sample('phase end');
    phase = p.phase;
  }
});
await catalog.scan();
sample('done');
clearInterval(timer);
await catalog.close();
console.log('peak rss', mib(peak), 'maxRSS', Math.round(process.resourceUsage().maxRSS / 1024));
