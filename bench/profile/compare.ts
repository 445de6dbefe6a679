// Times the parts of compare + duplicates over the bench corpus and its backup (run `pnpm bench --scenarios compare` once first).
import { createLocalSource } from '@photolala/backend-local';
import { compareCatalogs, findDuplicates, openCatalog } from '@photolala/core';

const [root, cacheDir] = process.argv.slice(2) as [string, string];
const open = async (dir: string) =>
  openCatalog(await createLocalSource({ root: dir, readOnly: true }), { cacheDir });
for (let round = 0; round < 5; round++) {
  let t = performance.now();
  const [a, b] = [await open(root), await open(`${root}-backup`)];
  const openMs = performance.now() - t;
  t = performance.now();
  const cols = a.photoColumns();
  const colsMs = performance.now() - t;
  t = performance.now();
  let cpu = process.cpuUsage();
  compareCatalogs(a, [b]);
  const compareMs = performance.now() - t;
  const compareCpuMs = process.cpuUsage(cpu).user / 1000;
  t = performance.now();
  cpu = process.cpuUsage();
  findDuplicates([a, b]);
  const dupMs = performance.now() - t;
  const dupCpuMs = process.cpuUsage(cpu).user / 1000;
  console.log(
    JSON.stringify({
      openMs: Math.round(openMs),
      colsMs: Math.round(colsMs),
      compareMs: Math.round(compareMs),
      dupMs: Math.round(dupMs),
      compareCpuMs: Math.round(compareCpuMs),
      dupCpuMs: Math.round(dupCpuMs),
      n: cols.paths.length,
    }),
  );
  await a.close();
  await b.close();
}
