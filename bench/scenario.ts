// One benchmark scenario in a fresh process, so its peak RSS is its own. Prints one JSON line.
import { spawnSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type CatalogEventMap, openCatalog, planScan } from '@photolala/core';
import { countingSource } from '@photolala/core/testing';
import sharp from 'sharp';

interface Args {
  scenario: string;
  root: string;
  cacheDir: string;
  concurrency: number;
}

export interface ScenarioResult {
  scenario: string;
  files: number;
  ms: number;
  baselineMs?: number;
  baseline?: string;
  extra: Record<string, number | string>;
  peakRssMb: number;
}

const args = JSON.parse(process.argv[2]!) as Args;
const now = () => performance.now();

/**
 * The minimal loop the discovery target is measured against: walk, open, read 4 KiB, md5, close. Its
 * md5 is the same one-shot call the catalog uses, so the ratio measures the pipeline, not the API.
 */
function minimalHeadLoop(root: string): number {
  let files = 0;
  const buffer = Buffer.alloc(4096);
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.name.startsWith('.')) continue;
      const full = path.join(dir, d.name);
      if (d.isDirectory()) stack.push(full);
      else if (d.isFile()) {
        const fd = openSync(full, 'r');
        const n = readSync(fd, buffer, 0, 4096, 0);
        hash('md5', buffer.subarray(0, n), 'hex');
        closeSync(fd);
        files++;
      }
    }
  }
  return files;
}

const emptyLookup = { byPath: () => undefined, see: () => undefined, unseenPaths: () => [] as string[] };

function removeSnapshots(root: string) {
  for (const name of readdirSync(root))
    if (name.startsWith('.photolala')) rmSync(path.join(root, name), { force: true });
}

async function run(): Promise<Omit<ScenarioResult, 'peakRssMb'>> {
  const { scenario, root, cacheDir, concurrency } = args;
  switch (scenario) {
    case 'discovery': {
      minimalHeadLoop(root); // warm the page cache for both sides
      let t = now();
      const baselineFiles = minimalHeadLoop(root);
      const baselineMs = now() - t;
      t = now();
      spawnSync('find', [root, '-type', 'f'], { stdio: 'ignore' });
      const findMs = now() - t;
      const source = await createLocalSource({ root, readOnly: true });
      const discover = () =>
        planScan(source, emptyLookup, { full: false, firstScan: true, headConcurrency: 16 });
      // Timed warm, like the loop above, whose first run warms its code as well as the page cache;
      // the first (cold) run is reported beside it.
      t = now();
      await discover();
      const coldMs = now() - t;
      t = now();
      const plan = await discover();
      const ms = now() - t;
      return {
        scenario,
        files: plan.added.length,
        ms,
        baselineMs,
        baseline: 'node loop: readdir + open/read 4 KiB/md5/close, one thread',
        extra: {
          baselineFiles,
          images: plan.added.filter((f) => f.image).length,
          coldMs: Math.round(coldMs),
          coldRatio: +(coldMs / baselineMs).toFixed(2),
          findTypeFMs: Math.round(findMs),
        },
      };
    }
    case 'rescan': {
      const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), { cacheDir });
      const counted = countingSource(catalog.source);
      spawnSync('find', [root, '-type', 'f', '-printf', '%s %T@\\n'], { stdio: 'ignore' });
      let t = now();
      spawnSync('find', [root, '-type', 'f', '-printf', '%s %T@\\n'], {
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      const baselineMs = now() - t;
      t = now();
      const status = await catalog.status();
      const ms = now() - t;
      // Same plan again through a counting wrapper, to prove no file is opened. Its rows are read
      // only now, so that the timed rescan runs without them in memory.
      const rows = new Map(
        catalog.list().map((e) => [
          e.path,
          {
            path: e.path,
            fast_photo_key: e.fastPhotoKey,
            size: e.size,
            mtime_ms: e.mtimeMs,
            etag: e.etag,
            external_id: null,
            photo_md5: e.photoMd5,
            kind: e.kind,
            taken_at: null,
            width: null,
            height: null,
            starred: 0,
            status: e.status,
            reason: null,
          },
        ]),
      );
      const seen = new Set<string>();
      await planScan(
        counted,
        {
          byPath: (p) => rows.get(p),
          see: (p) => {
            const row = rows.get(p);
            seen.add(p);
            return row && { ...row, keyed: row.fast_photo_key !== '' };
          },
          unseenPaths: () => [...rows.keys()].filter((p) => !seen.has(p)),
        },
        { full: false, headConcurrency: 16 },
      );
      await catalog.close();
      return {
        scenario,
        files: status.unchanged,
        ms,
        baselineMs,
        baseline: "find DIR -type f -printf '%s %T@\\n'",
        extra: {
          changed: status.added.length + status.changed.length + status.removed.length,
          filesOpened: counted.opened(),
        },
      };
    }
    case 'reload': {
      const pointer = readFileSync(path.join(root, '.photolala.md5'), 'utf8').split('\n')[0]!;
      const snapshot = path.join(root, `.photolala.${pointer}.sqlite`);
      spawnSync('sqlite3', [snapshot, 'select * from entries'], { stdio: 'ignore' });
      let t = now();
      const sq = spawnSync('sqlite3', [snapshot, 'select * from entries'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      if (sq.status !== 0) throw new Error(`sqlite3 failed (apt-get install sqlite3): ${sq.stderr}`);
      const baselineMs = now() - t;
      t = now();
      const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), { cacheDir });
      const openMs = now() - t;
      const firstPage = catalog.list({ limit: 100 });
      const firstPageMs = now() - t;
      const all = catalog.list();
      const ms = now() - t;
      await catalog.close();
      return {
        scenario,
        files: all.length,
        ms,
        baselineMs,
        baseline: "sqlite3 SNAPSHOT 'select * from entries'",
        extra: {
          openMs: Math.round(openMs),
          firstPageMs: Math.round(firstPageMs),
          firstPage: firstPage.length,
          listAllMs: Math.round(ms - openMs),
          snapshotMb: +(readFileSync(snapshot).length / 1e6).toFixed(1),
        },
      };
    }
    case 'camera':
    case 'full': {
      removeSnapshots(root);
      rmSync(cacheDir, { recursive: true, force: true });
      let baselineMs: number | undefined;
      let md5LoopMs: number | undefined;
      const firstRuns: Record<string, number> = {};
      const ceiling: Record<string, number> = {};
      if (scenario === 'camera') {
        const files = readdirSync(root).filter((n) => n.endsWith('.JPG'));
        /** `alsoMd5`: the loop hashes each photo too, the one cost of the catalog's it cannot skip. */
        let loopCpuMs = 0;
        const sharpLoop = async (alsoMd5 = false) => {
          let i = 0;
          const cpu0 = process.cpuUsage();
          const t0 = now();
          await Promise.all(
            Array.from({ length: concurrency }, async () => {
              while (i < files.length) {
                const data = readFileSync(path.join(root, files[i++]!));
                if (alsoMd5) hash('md5', data);
                await sharp(data)
                  .rotate()
                  .resize(256, 256, { fit: 'cover' })
                  .jpeg({ quality: 85 })
                  .toBuffer();
              }
            }),
          );
          const cpu = process.cpuUsage(cpu0);
          loopCpuMs = (cpu.user + cpu.system) / 1000;
          return now() - t0;
        };
        // Both sides are timed on their second run: a first run pays one-time costs (sharp's start,
        // code not yet compiled), which flattered the catalog when only the loop paid them.
        firstRuns.firstLoopMs = Math.round(await sharpLoop());
        baselineMs = await sharpLoop();
        const baselineCpuMs = loopCpuMs;
        md5LoopMs = await sharpLoop(true);
        // The floor under the camera target. With every core busy in the loop, throughput is CPU
        // time, and the catalog must spend at least the loop's CPU plus one MD5 of every byte.
        let md5Ms = 0;
        for (const name of files) {
          const data = readFileSync(path.join(root, name));
          const t0 = now();
          hash('md5', data);
          md5Ms += now() - t0;
        }
        const cores = availableParallelism();
        Object.assign(ceiling, {
          loopCpuBusy: +(baselineCpuMs / (baselineMs * Math.min(cores, concurrency))).toFixed(2),
          loopCpuMs: Math.round(baselineCpuMs),
          md5CpuMs: Math.round(md5Ms),
          md5Ceiling: +(baselineCpuMs / (baselineCpuMs + md5Ms)).toFixed(3),
        });
        const first = await openCatalog(await createLocalSource({ root }), {
          cacheDir,
          limits: { concurrency },
        });
        const t0 = now();
        await first.scan();
        firstRuns.firstCatalogMs = Math.round(now() - t0);
        await first.close();
        removeSnapshots(root);
        rmSync(cacheDir, { recursive: true, force: true });
      }
      const catalog = await openCatalog(await createLocalSource({ root }), {
        cacheDir,
        limits: { concurrency },
      });
      const phaseEnds: Partial<Record<CatalogEventMap['progress']['phase'], number>> = {};
      // Resident memory sampled per phase, to tell which phase sets the peak.
      const rssByPhase: Partial<Record<CatalogEventMap['progress']['phase'], number>> = {};
      let phase: CatalogEventMap['progress']['phase'] = 'discover';
      const sample = () => {
        rssByPhase[phase] = Math.max(rssByPhase[phase] ?? 0, Math.round(process.memoryUsage.rss() / 1048576));
      };
      const startRssMb = Math.round(process.memoryUsage.rss() / 1048576);
      const sampler = setInterval(sample, 100);
      const cpuAtStart = process.cpuUsage();
      const t = now();
      catalog.events.on('progress', (p) => {
        // On a change of phase only: reading the resident size on every progress event (one per
        // photo) cost the timed run about 17 ms of the camera scenario's 700.
        if (p.phase !== phase) {
          sample();
          phase = p.phase;
        }
        phaseEnds[p.phase] = now() - t;
      });
      const result = await catalog.scan();
      sample();
      clearInterval(sampler);
      const ms = now() - t;
      const cpu = process.cpuUsage(cpuAtStart);
      await catalog.close();
      const digestStart = phaseEnds.discover ?? 0;
      return {
        scenario,
        files: result.entries,
        ms,
        ...(baselineMs !== undefined
          ? {
              baselineMs,
              baseline: `plain sharp loop, same 256x256 cover thumbnails, concurrency ${concurrency}`,
            }
          : {}),
        extra: {
          digested: result.digested,
          failed: result.failed.length,
          filesPerSecond: Math.round(result.entries / (ms / 1000)),
          discoverMsPerFile: +(digestStart / result.entries).toFixed(3),
          digestMsPerImage: +(
            ((phaseEnds.digest ?? digestStart) - digestStart) /
            Math.max(result.digested, 1)
          ).toFixed(3),
          writeMs: Math.round(ms - (phaseEnds.digest ?? digestStart)),
          cpuMs: Math.round((cpu.user + cpu.system) / 1000),
          ...firstRuns,
          // A second view of the camera target: throughput against a loop that also computes the
          // photo-md5, which the catalog must (reported, not the target).
          ...(md5LoopMs !== undefined
            ? { md5LoopMs: Math.round(md5LoopMs), md5LoopRatio: +(md5LoopMs / ms).toFixed(2) }
            : {}),
          ...ceiling,
          peakRssMbByPhase: JSON.stringify({ beforeScan: startRssMb, ...rssByPhase }),
        },
      };
    }
    case 'lookups': {
      const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), { cacheDir });
      const ids = catalog
        .list()
        .filter((e) => e.photoMd5)
        .map((e) => e.path);
      let t = now();
      for (const id of ids) await catalog.thumbnail(id);
      const thumbMs = now() - t;
      t = now();
      for (const id of ids) await catalog.metadata(id);
      const metaMs = now() - t;
      await catalog.close();
      return {
        scenario,
        files: ids.length,
        ms: thumbMs + metaMs,
        extra: {
          thumbnailUsPerCall: +((thumbMs * 1000) / ids.length).toFixed(1),
          metadataUsPerCall: +((metaMs * 1000) / ids.length).toFixed(1),
        },
      };
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

/**
 * Peak RSS of this process alone. getrusage's maxRSS survives fork+exec, so a child spawned by a
 * large parent reports the parent's peak; /proc's VmHWM belongs to the new address space.
 */
function peakRssMb(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Math.round(Number(match[1]) / 1024);
  } catch {
    // Not Linux.
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

const result = await run();
process.stdout.write(`${JSON.stringify({ ...result, peakRssMb: peakRssMb() })}\n`);
