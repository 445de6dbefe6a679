/**
 * Profiling aid for the discovery scenario: three cold plans (enumerate, head reads, fast-photo-keys,
 * kind sniffing) of a folder. Run from bench/:
 *   node --cpu-prof --import tsx profile/discovery.ts ../.bench-cache/small-10000
 */
import { createLocalSource } from '@photolala/backend-local';
import { planScan } from '@photolala/core/internals';

const root = process.argv[2]!;
const emptyLookup = { byPath: () => undefined, see: () => undefined, unseenPaths: () => [] };
const source = await createLocalSource({ root, readOnly: true });
for (let run = 0; run < 3; run++) {
  const started = performance.now();
  const plan = await planScan(source, emptyLookup, { full: false, firstScan: true, headConcurrency: 16 });
  console.log(plan.added.length, 'files', Math.round(performance.now() - started), 'ms');
}
