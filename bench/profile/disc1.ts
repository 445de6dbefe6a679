import { createLocalSource } from '@photolala/backend-local';
import { planScan } from '@photolala/core';

const root = process.argv[2]!;
const emptyLookup = { byPath: () => undefined, statOf: () => undefined, allPaths: () => [] };
const source = await createLocalSource({ root, readOnly: true });
const started = performance.now();
const plan = await planScan(source, emptyLookup, {
  full: false,
  firstScan: process.env.FIRST !== '0',
  headConcurrency: 16,
});
const m = process.memoryUsage();
console.log(
  plan.added.length,
  'files',
  Math.round(performance.now() - started),
  'ms',
  'maxRSS',
  Math.round(process.resourceUsage().maxRSS / 1024),
  'MiB heap',
  Math.round(m.heapUsed / 2 ** 20),
  'ext',
  Math.round(m.external / 2 ** 20),
  'ab',
  Math.round(m.arrayBuffers / 2 ** 20),
);
