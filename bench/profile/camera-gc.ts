/**
 * Garbage collections during cold catalogs of a folder of camera JPEGs, against the sharp loop with
 * MD5 over the same photos: how many of each kind, and their pauses. The loop's GCs are the floor a
 * catalog's file buffers set; more full collections in the catalog mean buffers kept alive into the
 * old generation (exifr holding whole photos did that: 8 full collections in 4 catalogs of 40 photos,
 * against 1 since it gets the JPEG header alone). Run from bench/:
 *   node --import tsx profile/camera-gc.ts ../.bench-cache/camera-40
 */
import { hash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import sharp from 'sharp';

const root = process.argv[2]!;
const cacheDir = path.join(tmpdir(), 'photolala-profile-gc-cache');
const files = readdirSync(root).filter((name) => name.endsWith('.JPG'));
const RUNS = 4;

let counting = false;
const seen = { major: 0, minor: 0, pauseMs: 0 };
new PerformanceObserver((list) => {
  if (!counting) return;
  for (const entry of list.getEntries()) {
    // `detail` is in Node 16+, not in @types/node's PerformanceEntry.
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) seen.major++;
    else seen.minor++;
    seen.pauseMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

async function counted(label: string, run: () => Promise<unknown>) {
  Object.assign(seen, { major: 0, minor: 0, pauseMs: 0 });
  const cpu = process.cpuUsage();
  counting = true;
  for (let i = 0; i < RUNS; i++) await run();
  // GC entries arrive on a later tick.
  await new Promise((resolve) => setTimeout(resolve, 50));
  counting = false;
  const used = process.cpuUsage(cpu);
  console.log(
    `${label}: ${RUNS} runs, ${seen.major} full and ${seen.minor} minor collections, ${seen.pauseMs.toFixed(1)} ms paused, ${Math.round((used.user + used.system) / 1000 / RUNS)} ms CPU a run`,
  );
}

await counted('cold catalog', async () => {
  for (const name of readdirSync(root)) if (name.startsWith('.photolala')) rmSync(path.join(root, name));
  rmSync(cacheDir, { recursive: true, force: true });
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await catalog.scan();
  await catalog.close();
});
await counted('sharp loop with MD5', async () => {
  let next = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (next < files.length) {
        const data = readFileSync(path.join(root, files[next++]!));
        hash('md5', data);
        await sharp(data).rotate().resize(256, 256, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer();
      }
    }),
  );
});
rmSync(cacheDir, { recursive: true, force: true });
