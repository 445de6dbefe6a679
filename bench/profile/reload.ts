/**
 * Profiling aid for the reload scenario: opens a cataloged folder and lists every entry, three times.
 * Run from bench/ after `pnpm bench --quick`:
 *   node --cpu-prof --import tsx profile/reload.ts ../.bench-cache/small-10000 ../.bench-cache/cache-10000
 */
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';

const [root, cacheDir] = process.argv.slice(2) as [string, string];
for (let run = 0; run < 3; run++) {
  const started = performance.now();
  const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), { cacheDir });
  const opened = performance.now();
  const entries = catalog.list();
  const listed = performance.now();
  console.log(
    entries.length,
    'entries, open',
    Math.round(opened - started),
    'ms, list',
    Math.round(listed - opened),
    'ms',
  );
  await catalog.close();
}
