/**
 * Profiling aid for the unchanged-rescan scenario: opens a cataloged folder and runs status() three
 * times. Run from bench/ after `pnpm bench --quick`:
 *   node --cpu-prof --import tsx profile/rescan.ts ../.bench-cache/small-10000 ../.bench-cache/cache-10000
 */
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';

const [root, cacheDir] = process.argv.slice(2) as [string, string];
const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), { cacheDir });
for (let run = 0; run < 3; run++) {
  const started = performance.now();
  const status = await catalog.status();
  console.log(status.unchanged, 'unchanged', Math.round(performance.now() - started), 'ms');
}
await catalog.close();
