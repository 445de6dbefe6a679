/**
 * Profiling aid: where the CPU of a cold catalog of camera JPEGs goes, by thread (main, libuv's
 * pool, libvips' workers, V8's), against the sharp loop with MD5 at the same concurrency. Threads
 * that exit before the end are counted in "exited". Run from bench/:
 *   node --import tsx profile/camera-threads.ts ../.bench-cache/camera-40 [rounds]
 */
import { hash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { LOCAL_DIGEST_LIMITS } from '@photolala/core/internals';
import sharp from 'sharp';

const root = process.argv[2]!;
const rounds = Number(process.argv[3] ?? 3);
const concurrency = LOCAL_DIGEST_LIMITS.concurrency;
const cacheDir = path.join(tmpdir(), 'photolala-profile-threads-cache');
// A folder of photos, or a tree (a copy of part of the small corpus).
const files = (readdirSync(root, { recursive: true }) as string[]).filter(
  (name) => /\.jpe?g$/i.test(name) && !name.split(path.sep).some((part) => part.startsWith('.')),
);
const tick = 1000 / 100; // USER_HZ

function threads(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * tick;
      // Node 20 names no thread: its "node" threads are told apart by when they started (V8's
      // platform workers with the process, libuv's pool on its first use).
      const key =
        tid === String(process.pid) ? 'main' : name === 'node' ? `node+${Number(tid) - process.pid}` : name;
      out.set(key, (out.get(key) ?? 0) + ms);
    } catch {}
  }
  return out;
}

async function timed(label: string, run: () => Promise<unknown>) {
  const before = threads();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await run();
  const ms = performance.now() - wall;
  const used = process.cpuUsage(cpu);
  const after = threads();
  const total = (used.user + used.system) / 1000;
  const parts: string[] = [];
  let counted = 0;
  for (const [name, v] of after) {
    const d = v - (before.get(name) ?? 0);
    counted += d;
    if (d > 0) parts.push(`${name} ${Math.round(d)}`);
  }
  parts.push(`exited ${Math.round(total - counted)}`);
  console.log(`${label}: wall ${Math.round(ms)} cpu ${Math.round(total)} | ${parts.join(', ')}`);
}

const catalogRun = async () => {
  for (const name of readdirSync(root)) if (name.startsWith('.photolala')) rmSync(path.join(root, name));
  rmSync(cacheDir, { recursive: true, force: true });
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir, limits: { concurrency } });
  await timed('catalog', () => catalog.scan());
  await catalog.close();
};
const loopRun = () =>
  timed('loop+md5', async () => {
    let i = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (i < files.length) {
          const data = readFileSync(path.join(root, files[i++]!));
          hash('md5', data);
          await sharp(data).rotate().resize(256, 256, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer();
        }
      }),
    );
  });
for (let r = 0; r < rounds; r++) {
  await loopRun();
  await catalogRun();
}
for (const name of readdirSync(root)) if (name.startsWith('.photolala')) rmSync(path.join(root, name));
rmSync(cacheDir, { recursive: true, force: true });
