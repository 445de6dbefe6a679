/**
 * Profiling aid for the discovery scenario: cold plans (enumerate, head reads, fast-photo-keys, kind
 * sniffing) of a folder, each with a new source (so a new listing worker), with the CPU time of each
 * thread beside the wall time: on a shared machine the CPU time is what compares. The listing worker
 * has ended by the time the plan is (the source stops it when no walk needs it), so its time is the
 * process's less that of the threads still running: the main one and `other` (V8's helpers, libuv's).
 * Run from bench/:
 *   node --import tsx profile/discovery.ts ../.bench-cache/small-10000 [runs]
 * (add --cpu-prof for a profile of each thread, the worker's included).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createLocalSource } from '@photolala/backend-local';
import { planScan } from '@photolala/core/internals';

const root = process.argv[2]!;
const runs = Number(process.argv[3] ?? 3);
const emptyLookup = { byPath: () => undefined, see: () => undefined, unseenPaths: () => [] };

/** CPU milliseconds (user + system) of each thread of this process, by thread id. */
function threadCpuMs(): Map<number, number> {
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  const cpu = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / ticksPerMs);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return cpu;
}

for (let run = 0; run < runs; run++) {
  const source = await createLocalSource({ root, readOnly: true });
  const before = threadCpuMs();
  const processBefore = process.cpuUsage();
  const started = performance.now();
  const plan = await planScan(source, emptyLookup, { full: false, firstScan: true, headConcurrency: 16 });
  const wall = performance.now() - started;
  const processSpent = process.cpuUsage(processBefore);
  const after = threadCpuMs();
  const spent = [...after].map(([tid, ms]) => ({ tid, ms: ms - (before.get(tid) ?? 0) }));
  const main = spent.find((t) => t.tid === process.pid)?.ms ?? 0;
  const other = spent.filter((t) => t.tid !== process.pid).reduce((sum, t) => sum + t.ms, 0);
  const total = Math.round((processSpent.user + processSpent.system) / 1000);
  const worker = total - main - other;
  console.log(
    `${plan.added.length} files, ${Math.round(wall)} ms wall; CPU ms: main ${main}, worker ${worker}, other ${other}, total ${total}; RSS ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB`,
  );
  await source.close?.();
}
