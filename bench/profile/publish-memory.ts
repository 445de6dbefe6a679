/**
 * Profiling aid for the memory a snapshot publish takes: opens a cataloged folder, stars one photo
 * and saves, printing resident memory (current and peak, from /proc/self/status) around the save.
 * Run from bench/ on a cataloged corpus, with a cache folder of its own:
 *   node --import tsx profile/publish-memory.ts ../.bench-cache/small-100000 /tmp/publish-cache
 */
import { readFileSync } from 'node:fs';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';

const [root, cacheDir] = process.argv.slice(2) as [string, string];
const status = () => {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return `rss ${Math.round(kb('VmRSS') / 1000)} MB, peak ${Math.round(kb('VmHWM') / 1000)} MB`;
};
const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
console.log('opened', catalog.loadInfo.source, status());
const first = catalog.list({ limit: 1 })[0]!;
await (first.starred ? catalog.unstar(first.path) : catalog.star(first.path));
console.log('before save', status());
const started = performance.now();
await catalog.save();
console.log('after save', status(), Math.round(performance.now() - started), 'ms');
await catalog.close();
