// One benchmark scenario in a fresh process, so its peak RSS is its own. Prints one JSON line.
import { spawn, spawnSync } from 'node:child_process';
import { hash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import {
  type CatalogEventMap,
  compareCatalogs,
  findDuplicates,
  openCatalog,
  PhotoCache,
  SCHEMA_VERSION,
} from '@photolala/core';
import {
  groupByHamming,
  groupByHammingAllPairs,
  LISTING_CHUNK_ROWS,
  packHashes,
  planScan,
} from '@photolala/core/internals';
import { countingSource } from '@photolala/core/testing';
import sharp from 'sharp';
import { remoteS3 } from './remote.js';
import { remoteServer } from './remote-servers.js';

interface Args {
  scenario: string;
  root: string;
  cacheDir: string;
  concurrency: number;
  /** Objects of the remote scenarios. */
  objects?: number;
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
            group_id: null,
            role: null,
            rating: null,
            keywords: null,
            failure_code: null,
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
    case 'snapshot-size': {
      // The root's snapshot of the bench corpus, and of the same catalog made
      // camera-like: every photo's document filled as a phone's EXIF fills it (date, camera, lens,
      // exposure, GPS, each varying), its entry dated and sized to match, its listing rebuilt.
      await ensureCatalog(root, cacheDir);
      const sqliteFile = newestSnapshot(root, cacheDir);
      const photos = Number(sqlite(sqliteFile, 'SELECT count(*) FROM entries WHERE photo_md5 IS NOT NULL'));
      const work = mkdtempSync(path.join(tmpdir(), 'photolala-bench-size-'));
      try {
        const camera = path.join(work, 'camera.sqlite');
        const edited = path.join(work, 'edited.sqlite');
        writeFileSync(edited, readFileSync(sqliteFile));
        sqlite(
          edited,
          CAMERA_LIKE_SQL(
            sqlite(edited, "SELECT group_concat(name, ', ') FROM pragma_table_info('entries')"),
          ),
        );
        sqlite(edited, `VACUUM INTO '${camera}'`);
        const bench = snapshotSize(statSync(newestSnapshot(root)).size, photos);
        const cameraLike = snapshotSize(statSync(camera).size, photos);
        return {
          scenario,
          files: photos,
          // The figure judged: the larger per 100k of the two.
          ms: Math.max(bench.snapshotMbPer100k, cameraLike.snapshotMbPer100k),
          extra: {
            ...bench,
            cameraLikeMb: cameraLike.snapshotMb,
            cameraLikeMbPer100k: cameraLike.snapshotMbPer100k,
            cameraLikeTargetRatio: cameraLike.snapshotTargetRatio,
          },
        };
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    case 'reload': {
      // Scanned once when no other scenario has made the catalog yet.
      await ensureCatalog(root, cacheDir);
      const snapshot = newestSnapshot(root, cacheDir);
      spawnSync('sqlite3', [snapshot, 'select * from entries'], { stdio: 'ignore' });
      const { ms: baselineMs, cpuMs: baselineCpuMs } = timedProcess([
        'sqlite3',
        snapshot,
        'select * from entries',
      ]);
      const cpu0 = process.cpuUsage();
      const t = now();
      const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), { cacheDir });
      const openMs = now() - t;
      const firstPage = catalog.list({ limit: 100 });
      const firstPageMs = now() - t;
      const all = catalog.list();
      const ms = now() - t;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
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
          cpuMs: Math.round(cpuMs),
          baselineCpuMs: Math.round(baselineCpuMs),
          cpuRatio: +(cpuMs / baselineCpuMs).toFixed(2),
          ...snapshotSize(statSync(snapshot).size, all.filter((e) => e.photoMd5).length),
        },
      };
    }
    case 'camera':
    case 'full': {
      removeSnapshots(root);
      rmSync(cacheDir, { recursive: true, force: true });
      let baselineMs: number | undefined;
      // The baseline's CPU, all threads: on a machine shared with other work, throughput follows the
      // CPU each side spends more steadily than its wall time.
      let baselineCpuMs: number | undefined;
      let plainLoopMs: number | undefined;
      const processes: Record<string, number> = {};
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
        firstRuns.firstLoopMs = Math.round(await sharpLoop(true));
        plainLoopMs = await sharpLoop();
        const plainCpuMs = loopCpuMs;
        // The baseline: the catalog must compute every photo's MD5, which the plain loop does not.
        baselineMs = await sharpLoop(true);
        baselineCpuMs = loopCpuMs;
        // The floor under the plain-loop ratio. With every core busy in the loop, throughput is CPU
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
          loopCpuBusy: +(plainCpuMs / (plainLoopMs * Math.min(cores, concurrency))).toFixed(2),
          loopCpuMs: Math.round(plainCpuMs),
          md5CpuMs: Math.round(md5Ms),
          md5Ceiling: +(plainCpuMs / (plainCpuMs + md5Ms)).toFixed(3),
        });
        Object.assign(processes, cameraAsProcesses(root, cacheDir, concurrency));
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
      if (scenario === 'full') {
        const loop = await smallSharpLoop(root, concurrency);
        baselineMs = loop.ms;
        baselineCpuMs = loop.cpuMs;
        Object.assign(firstRuns, { loopSampleFiles: loop.sampled, loopSampleMs: Math.round(loop.sampleMs) });
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
              baseline:
                scenario === 'camera'
                  ? `sharp loop making the same 256x256 cover thumbnails and the MD5 of each photo, concurrency ${concurrency}`
                  : `plain sharp loop making the same 256x256 cover thumbnails, concurrency ${concurrency}, timed on a sample and scaled to every photo`,
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
          ...(baselineCpuMs !== undefined
            ? {
                baselineCpuMs: Math.round(baselineCpuMs),
                cpuThroughputRatio: +(baselineCpuMs / ((cpu.user + cpu.system) / 1000)).toFixed(2),
              }
            : {}),
          ...firstRuns,
          // The former target's view: throughput against a loop that does not hash, whose ceiling
          // is md5Ceiling.
          ...(plainLoopMs !== undefined
            ? { plainLoopMs: Math.round(plainLoopMs), plainLoopRatio: +(plainLoopMs / ms).toFixed(2) }
            : {}),
          ...ceiling,
          ...processes,
          peakRssMbByPhase: JSON.stringify({ beforeScan: startRssMb, ...rssByPhase }),
        },
      };
    }
    case 'video': {
      // The cost of a video in the cold catalog (probe, poster, metadata document, thumbnail files),
      // against the least a poster needs: ffprobe for the duration, then one ffmpeg frame grab at a
      // tenth of it (the catalog's first pick), scaled to 256, at the same concurrency.
      removeSnapshots(root);
      rmSync(cacheDir, { recursive: true, force: true });
      const clips = readdirSync(root).filter((n) => n.endsWith('.mp4'));
      const grab = async (name: string) => {
        const file = path.join(root, name);
        const probe = await runTool('ffprobe', [
          '-v',
          'error',
          '-show_entries',
          'format=duration',
          '-of',
          'csv=p=0',
          file,
        ]);
        const at = (Number(probe.toString().trim()) || 0) / 10;
        await runTool('ffmpeg', [
          ...['-v', 'error', '-nostdin', '-ss', at.toFixed(3), '-i', file, '-frames:v', '1'],
          ...['-vf', 'scale=256:256:force_original_aspect_ratio=increase,crop=256:256'],
          ...['-f', 'image2pipe', '-c:v', 'mjpeg', '-'],
        ]);
      };
      const loop = async () => {
        let i = 0;
        const t0 = now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (i < clips.length) await grab(clips[i++]!);
          }),
        );
        return now() - t0;
      };
      await loop();
      const baselineMs = await loop();
      const catalog = await openCatalog(await createLocalSource({ root }), {
        cacheDir,
        limits: { concurrency },
      });
      const t0 = now();
      const result = await catalog.scan();
      const ms = now() - t0;
      await catalog.close();
      return {
        scenario,
        files: result.entries,
        ms,
        baselineMs,
        baseline: `ffprobe + one ffmpeg frame grab per clip, concurrency ${concurrency}`,
        extra: {
          digested: result.digested,
          failed: result.failed.length,
          msPerVideo: Math.round(ms / Math.max(result.entries, 1)),
          baselineMsPerVideo: Math.round(baselineMs / Math.max(clips.length, 1)),
        },
      };
    }
    case 'remote-s3':
      return remoteS3(root, cacheDir, args.objects ?? 1000);
    case 'remote-webdav':
    case 'remote-smb':
      return remoteServer(scenario === 'remote-smb' ? 'smb' : 'webdav', root, cacheDir, args.objects ?? 1000);
    case 'compare': {
      // Two catalogs of the corpus: the root itself, and a backup of it (hard links) that lacks every
      // twentieth photo. Both are scanned once and kept; the backup's scan finds every thumbnail cached.
      const backup = await backupOf(root, cacheDir);
      const snapshotA = newestSnapshot(root, cacheDir);
      const snapshotB = newestSnapshot(backup, cacheDir);
      const sql = `ATTACH '${snapshotB}' AS b;
        SELECT a.path, a.size, c.path FROM main.entries a LEFT JOIN b.entries c ON c.photo_md5 = a.photo_md5 WHERE a.photo_md5 IS NOT NULL;
        SELECT photo_md5, count(*), group_concat(path) FROM (SELECT photo_md5, path FROM main.entries WHERE photo_md5 IS NOT NULL UNION ALL SELECT photo_md5, path FROM b.entries WHERE photo_md5 IS NOT NULL) GROUP BY photo_md5 HAVING count(*) > 1;`;
      // CPU time beside wall time: on a shared machine it moves less.
      const sqlite = () => timedProcess(['sqlite3', snapshotA, sql]);
      const open = async (dir: string) =>
        openCatalog(await createLocalSource({ root: dir, readOnly: true }), { cacheDir });
      // Warm both sides: the page cache for sqlite3, and the mirrors' records of good snapshots.
      sqlite();
      for (const dir of [root, backup]) await (await open(dir)).close();
      const { ms: baselineMs, cpuMs: baselineCpuMs } = sqlite();
      const cpu0 = process.cpuUsage();
      let t = now();
      const [a, b] = [await open(root), await open(backup)];
      const openMs = now() - t;
      t = now();
      const compared = compareCatalogs(a, [b]);
      const compareMs = now() - t;
      t = now();
      const duplicates = findDuplicates([a, b]);
      const duplicatesMs = now() - t;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const ms = openMs + compareMs + duplicatesMs;
      await a.close();
      await b.close();
      return {
        scenario,
        files: compared.photos.length,
        ms,
        baselineMs,
        baseline:
          'sqlite3 ATTACH: LEFT JOIN of the two snapshots on photo_md5, and GROUP BY photo_md5 over both',
        extra: {
          openMs: Math.round(openMs),
          compareMs: Math.round(compareMs),
          duplicatesMs: Math.round(duplicatesMs),
          cpuMs: Math.round(cpuMs),
          baselineCpuMs: Math.round(baselineCpuMs),
          cpuRatio: +(cpuMs / baselineCpuMs).toFixed(2),
          present: compared.present.count,
          missing: compared.missing.count,
          duplicateGroups: duplicates.groups.length,
        },
      };
    }
    case 'similar': {
      // Synthetic hashes (the corpus' photos are one picture): random 64-bit values, and for every
      // tenth a near copy a few bits away, as resized or re-encoded versions are.
      const count = countOf(root) || 100_000;
      const hashes = syntheticHashes(count);
      const heapBefore = process.memoryUsage().heapUsed;
      const rssBefore = process.memoryUsage.rss();
      let t = now();
      const groups = groupByHamming(packHashes(hashes), 12);
      const ms = now() - t;
      const heapAfter = process.memoryUsage().heapUsed;
      const rssAfter = process.memoryUsage.rss();
      const subset = packHashes(hashes.slice(0, Math.round(count / 10)));
      t = now();
      const naiveGroups = groupByHammingAllPairs(subset, 12);
      const naiveSubsetMs = now() - t;
      t = now();
      const indexedGroups = groupByHamming(subset, 12);
      const indexedSubsetMs = now() - t;
      // Pairs grow with the square of the count.
      const baselineMs = naiveSubsetMs * (count / subset.hi.length) ** 2;
      return {
        scenario,
        files: count,
        ms,
        baselineMs,
        baseline: `every pair compared on ${subset.hi.length.toLocaleString('en')} hashes, extrapolated (x${((count / subset.hi.length) ** 2).toFixed(0)})`,
        extra: {
          groups: groups.length,
          naiveSubsetMs: Math.round(naiveSubsetMs),
          indexedSubsetMs: Math.round(indexedSubsetMs),
          subsetGroupsAgree: String(naiveGroups.length === indexedGroups.length),
          heapGrowthMb: +((heapAfter - heapBefore) / 1048576).toFixed(1),
          rssGrowthMb: +((rssAfter - rssBefore) / 1048576).toFixed(1),
        },
      };
    }
    case 'gallery': {
      // `photolala serve` over the corpus' catalog, against a bare static file server (a child
      // process too) serving the same thumbnails from the same cache: the least a server can do.
      await ensureCatalog(root, cacheDir);
      const cli = path.resolve('..', 'packages/cli/bin/photolala.js');
      const firstScreen = async () => {
        const t0 = now();
        const server = await startChild(
          [cli, '--cache-dir', cacheDir, 'serve', root, '--port', '0'],
          /http:\/\/127\.0\.0\.1:(\d+)\//,
        );
        const base = `http://127.0.0.1:${server.port}`;
        const view = (await (await fetch(`${base}/api/view`)).json()) as { total: number; months: unknown[] };
        const page = (await (await fetch(`${base}/api/photos?offset=0&limit=300`)).json()) as {
          rows: [number, number, string][];
        };
        const md5s = page.rows.map((r) => r[2]);
        await fetchAll(md5s.slice(0, SCREEN).map((m) => `${base}/api/roots/0/thumbnails/${m}`));
        return { ms: now() - t0, server, base, view, md5s };
      };
      (await firstScreen()).server.stop(); // warms the page cache and learns the first screen
      const staticScreen = async () => {
        const t0 = now();
        const server = await startChild(
          ['-e', STATIC_SERVER, path.join(cacheDir, 'local', 'thumbnails')],
          /^(\d+)$/m,
        );
        return { ms: now() - t0, server, base: `http://127.0.0.1:${server.port}` };
      };
      const first = await firstScreen();
      const staticFirst = await staticScreen();
      const staticUrl = (m: string) => `${staticFirst.base}/${m.slice(0, 2)}/${m}.jpg`;
      let t = now();
      await fetchAll(first.md5s.slice(0, SCREEN).map(staticUrl));
      const baselineMs = staticFirst.ms + (now() - t);
      // Page latency: pages of 300 spread over the timeline.
      const total = first.view.total;
      const pageMs: number[] = [];
      const sample: string[] = [];
      for (let i = 0; i < 20; i++) {
        const offset = Math.floor((total * i) / 20);
        t = now();
        const { rows } = (await (
          await fetch(`${first.base}/api/photos?offset=${offset}&limit=300`)
        ).json()) as {
          rows: [number, number, string][];
        };
        pageMs.push(now() - t);
        sample.push(...rows.map((r) => r[2]));
      }
      t = now();
      await (await fetch(`${first.base}/api/view?q=img_1`)).json();
      const searchMs = now() - t;
      // Thumbnail throughput, 6 at a time as a browser fetches them, over the same files both ways.
      const thumbs = sample.slice(0, THROUGHPUT);
      t = now();
      await fetchAll(thumbs.map((m) => `${first.base}/api/roots/0/thumbnails/${m}`));
      const galleryThumbMs = now() - t;
      t = now();
      await fetchAll(thumbs.map(staticUrl));
      const staticThumbMs = now() - t;
      const serverPeakRssMb = first.server.peakRssMb();
      first.server.stop();
      staticFirst.server.stop();
      return {
        scenario,
        files: total,
        ms: first.ms,
        baselineMs,
        baseline: `node static file server child: start, then the same first ${SCREEN} thumbnails from the cache`,
        extra: {
          months: first.view.months.length,
          pageMsMedian: +pageMs.sort((a, b) => a - b)[10]!.toFixed(1),
          pageMsMax: +pageMs[19]!.toFixed(1),
          searchViewMs: Math.round(searchMs),
          thumbnails: thumbs.length,
          thumbnailsPerS: Math.round(thumbs.length / (galleryThumbMs / 1000)),
          staticThumbnailsPerS: Math.round(thumbs.length / (staticThumbMs / 1000)),
          thumbnailThroughputRatio: +(staticThumbMs / galleryThumbMs).toFixed(2),
          serverPeakRssMb,
        },
      };
    }
    case 'gallery-browser': {
      // The same server as `gallery`, opened in headless Chromium: start to a painted first screen
      // against a bare static page of the same thumbnails from the same cache, then jumps, a fast
      // scroll and the page's memory. The browser driving is in gallery-browser.ts, loaded here
      // only, so that no other scenario's resident memory carries Playwright.
      await ensureCatalog(root, cacheDir);
      const {
        fastScroll,
        jump,
        launchChromium,
        openPainted,
        pageMemory,
        phaseText,
        SCROLL_MS,
        STATIC_PAGE_SERVER,
        staticPageHtml,
      } = await import('./gallery-browser.js');
      const cli = path.resolve('..', 'packages/cli/bin/photolala.js');
      const browser = await launchChromium();
      let server: Awaited<ReturnType<typeof startChild>> | undefined;
      let staticServer: Awaited<ReturnType<typeof startChild>> | undefined;
      // A failed step ends this process: its servers must not outlive it.
      process.once('exit', () => {
        server?.stop();
        staticServer?.stop();
      });
      const startGallery = async () => {
        server = await startChild(
          [cli, '--cache-dir', cacheDir, 'serve', root, '--port', '0'],
          /http:\/\/127\.0\.0\.1:(\d+)\//,
        );
        return `http://127.0.0.1:${server.port}/`;
      };
      // A first run warms the page cache and learns where the first screen's thumbnails are.
      const warm = await openPainted(browser, startGallery, '.tile', now);
      await warm.page.context().close();
      server!.stop();
      const pageDir = mkdtempSync(path.join(tmpdir(), 'photolala-bench-'));
      const pageFile = path.join(pageDir, 'index.html');
      writeFileSync(pageFile, staticPageHtml(warm.tiles));
      const startStatic = async () => {
        staticServer = await startChild(
          ['-e', STATIC_PAGE_SERVER, path.join(cacheDir, 'local', 'thumbnails'), pageFile],
          /^(\d+)$/m,
        );
        return `http://127.0.0.1:${staticServer.port}/`;
      };
      const staticWarm = await openPainted(browser, startStatic, 'img.tile', now);
      await staticWarm.page.context().close();
      staticServer!.stop();
      // The static page first: the gallery's server goes on building its timeline after its first
      // screen (and serves the jumps below), which would slow a static page timed beside it.
      const bare = await openPainted(browser, startStatic, 'img.tile', now);
      await bare.page.context().close();
      staticServer!.stop();
      const gallery = await openPainted(browser, startGallery, '.tile', now);
      rmSync(pageDir, { recursive: true, force: true });
      const { page } = gallery;
      const months = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('#scrubber button')].map((b) => b.dataset.month!),
      );
      // With three months or more the scrubber's own buttons; the bench corpus' photos carry no
      // capture date and were all written on one day, so it is one month, jumped into by position.
      const byMonth = months.length >= 3;
      const jumpMiddle = await jump(
        page,
        byMonth ? { month: months[Math.floor(months.length / 2)]! } : { fraction: 0.5 },
      );
      const jumpOldest = await jump(page, byMonth ? { month: months.at(-1)! } : { fraction: 1 });
      const scroll = await fastScroll(page);
      const memory = await pageMemory(page);
      const total = Number(await page.evaluate(() => document.body.dataset.total));
      const serverPeakRssMb = server!.peakRssMb();
      await browser.close();
      server!.stop();
      return {
        scenario,
        files: total,
        ms: gallery.ms,
        baselineMs: bare.ms,
        baseline: `node static server child: start, then a page of the same first ${gallery.tiles.length} thumbnails as <img>s, painted in Chromium`,
        extra: {
          firstScreenTiles: gallery.tiles.length,
          // Phases of each first screen, in ms from its server's start (see gallery-browser.ts).
          phases: phaseText(gallery.phases),
          staticPhases: phaseText(bare.phases),
          months: months.length,
          jumpBy: byMonth ? 'scrubber month' : 'scroll position (one month)',
          jumpMiddleMs: Math.round(jumpMiddle.ms),
          jumpOldestMs: Math.round(jumpOldest.ms),
          jumpPhases: `${jumpMiddle.phases}; ${jumpOldest.phases}`,
          scrollMs: SCROLL_MS,
          ...scroll,
          ...memory,
          serverPeakRssMb,
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
    case 'cli-first-scan': {
      // The first scan of the corpus through the CLI, from nothing (no snapshot, an empty cache), as a
      // whole process with --json: its peak RSS is what a user's machine must hold.
      removeSnapshots(root);
      const firstCache = `${cacheDir}-cli-first`;
      rmSync(firstCache, { recursive: true, force: true });
      const cli = path.resolve('..', 'packages/cli/bin/photolala.js');
      const run = timedProcess([process.execPath, cli, '--cache-dir', firstCache, 'scan', root, '--json']);
      rmSync(firstCache, { recursive: true, force: true });
      const files = countOf(root);
      return {
        scenario,
        files,
        ms: run.ms,
        extra: {
          cliPeakRssMb: Math.round(run.peakRssMb),
          cliCpuMs: Math.round(run.cpuMs),
          filesPerSecond: Math.round(files / (run.ms / 1000)),
        },
      };
    }
    case 'cli-version':
    case 'cli-list':
    case 'cli-scan': {
      // The CLI as users run it, a whole process each time, against a baseline process doing the
      // least the same answer needs; 5 of each, interleaved, medians (see timedProcess).
      await ensureCatalog(root, cacheDir);
      const cli = path.resolve('..', 'packages/cli/bin/photolala.js');
      const [command, baseline, baselineText] =
        scenario === 'cli-version'
          ? [[process.execPath, cli, '--version'], [process.execPath, '-e', '0'], 'node -e 0']
          : scenario === 'cli-list'
            ? [
                [process.execPath, cli, '--cache-dir', cacheDir, 'list', root, '--json'],
                ['sqlite3', newestSnapshot(root, cacheDir), 'select * from entries'],
                "sqlite3 SNAPSHOT 'select * from entries'",
              ]
            : [
                [process.execPath, cli, '--cache-dir', cacheDir, 'scan', root, '--json'],
                ['find', root, '-type', 'f', '-printf', '%s %T@\\n'],
                "find ROOT -type f -printf '%s %T@\\n'",
              ];
      // Once each first: the page cache, and the catalog's record of its verified snapshot.
      timedProcess(command);
      timedProcess(baseline);
      const ours: ReturnType<typeof timedProcess>[] = [];
      const theirs: ReturnType<typeof timedProcess>[] = [];
      for (let i = 0; i < 5; i++) {
        ours.push(timedProcess(command));
        theirs.push(timedProcess(baseline));
      }
      const middle = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      return {
        scenario,
        files: countOf(root),
        ms: middle(ours.map((r) => r.ms)),
        baselineMs: middle(theirs.map((r) => r.ms)),
        baseline: `${baselineText}, a process`,
        extra: {
          cliPeakRssMb: Math.max(...ours.map((r) => r.peakRssMb)),
          baselinePeakRssMb: Math.max(...theirs.map((r) => r.peakRssMb)),
          cliCpuMs: middle(ours.map((r) => r.cpuMs)),
          baselineCpuMs: middle(theirs.map((r) => r.cpuMs)),
        },
      };
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

/** Thumbnails on the first screen of a 1280x800 window (about 5 rows of 8), and in the throughput run. */
const SCREEN = 40;
const THROUGHPUT = 2000;

/** A static file server, the baseline: answers GET /xx/md5.jpg from the folder it is given. */
const STATIC_SERVER = `const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const root = process.argv[1];
http.createServer((req, res) => {
  if (!/^\\/[0-9a-f]{2}\\/[0-9a-f]{32}\\.jpg$/.test(req.url)) { res.writeHead(404); return res.end(); }
  fs.readFile(path.join(root, req.url), (error, data) => {
    if (error) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.end(data);
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

/** Starts a Node child and resolves with the port it prints (the first group of `pattern`). */
function startChild(args: string[], pattern: RegExp) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise<{ port: number; stop: () => void; peakRssMb: () => number }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      const match = pattern.exec(out);
      if (match)
        resolve({
          port: Number(match[1]),
          stop: () => child.kill('SIGKILL'),
          peakRssMb: () => peakRssMb(`/proc/${child.pid}/status`),
        });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}): ${out}`)));
  });
}

/** GETs every URL, 6 at a time as a browser does for one host; any answer but 200 stops the run. */
async function fetchAll(urls: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < urls.length) {
        const url = urls[next++]!;
        const response = await fetch(url);
        if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
        await response.arrayBuffer();
      }
    }),
  );
}

/** Runs a system tool to completion, resolving with its standard output. */
function runTool(command: string, argv: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

/** Photos of the small corpus the full scenario's sharp loop is timed on, then scaled to all. */
const FULL_LOOP_SAMPLE = 10_000;

/**
 * The full cold catalog's baseline: a sharp loop making the same thumbnails from the same files at
 * the same concurrency, timed warm on an evenly spread sample and scaled to every photo, since a
 * second pass over 100,000 photos would double the scenario's time.
 */
async function smallSharpLoop(root: string, concurrency: number) {
  // The photos the catalog digests: not the hidden files and AppleDouble companions mixed in.
  const all = (readdirSync(root, { recursive: true }) as string[])
    .filter((n) => /\.jpe?g$/i.test(n) && !n.split(path.sep).some((part) => part.startsWith('.')))
    .sort();
  const step = Math.max(1, Math.floor(all.length / FULL_LOOP_SAMPLE));
  const sample = all.filter((_, i) => i % step === 0).slice(0, FULL_LOOP_SAMPLE);
  let cpuMs = 0;
  const loop = async (files: string[]) => {
    let i = 0;
    const cpu0 = process.cpuUsage();
    const t0 = now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (i < files.length) {
          const data = readFileSync(path.join(root, files[i++]!));
          await sharp(data).rotate().resize(256, 256, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer();
        }
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
    return now() - t0;
  };
  await loop(sample.slice(0, 200));
  const sampleMs = await loop(sample);
  const scale = all.length / sample.length;
  return { ms: sampleMs * scale, cpuMs: cpuMs * scale, sampled: sample.length, sampleMs };
}

/** A Node script that makes each photo's thumbnail and MD5 as the in-process loop does. */
const HASH_AND_THUMBNAIL = `const { readFileSync, readdirSync } = require('node:fs');
const { hash } = require('node:crypto');
const path = require('node:path');
const sharp = require(process.argv[1]);
const [root, concurrency] = [process.argv[2], Number(process.argv[3])];
const files = readdirSync(root).filter((n) => n.endsWith('.JPG'));
let i = 0;
Promise.all(Array.from({ length: concurrency }, async () => {
  while (i < files.length) {
    const data = readFileSync(path.join(root, files[i++]));
    hash('md5', data);
    await sharp(data).rotate().resize(256, 256, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer();
  }
}));`;

/**
 * The camera target as users meet it: `photolala scan` of the camera photos from nothing, a whole
 * process, against a Node script that hashes and thumbnails the same photos at the same concurrency;
 * 3 of each, interleaved, medians.
 */
function cameraAsProcesses(root: string, cacheDir: string, concurrency: number): Record<string, number> {
  const cli = path.resolve('..', 'packages/cli/bin/photolala.js');
  const sharpEntry = createRequire(import.meta.url).resolve('sharp');
  const scan = [process.execPath, cli, '--cache-dir', cacheDir, 'scan', root, '--json'];
  const loop = [process.execPath, '-e', HASH_AND_THUMBNAIL, sharpEntry, root, String(concurrency)];
  const fresh = () => {
    removeSnapshots(root);
    rmSync(cacheDir, { recursive: true, force: true });
  };
  const ours: number[] = [];
  const theirs: number[] = [];
  const oursCpu: number[] = [];
  const theirsCpu: number[] = [];
  fresh();
  timedProcess(scan);
  timedProcess(loop);
  for (let i = 0; i < 3; i++) {
    fresh();
    const a = timedProcess(scan);
    const b = timedProcess(loop);
    ours.push(a.ms);
    theirs.push(b.ms);
    oursCpu.push(a.cpuMs);
    theirsCpu.push(b.cpuMs);
  }
  fresh();
  const middle = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    cliScanMs: Math.round(middle(ours)),
    cliLoopMs: Math.round(middle(theirs)),
    cliThroughputRatio: +(middle(theirs) / middle(ours)).toFixed(2),
    cliScanCpuMs: Math.round(middle(oursCpu)),
    cliLoopCpuMs: Math.round(middle(theirsCpu)),
    cliCpuThroughputRatio: +(middle(theirsCpu) / middle(oursCpu)).toFixed(2),
  };
}

/**
 * One run of a command as a process, its output thrown away: wall time, CPU time and peak resident
 * memory, as GNU time reports them for the process and its children.
 */
function timedProcess(argv: string[]): { ms: number; cpuMs: number; peakRssMb: number } {
  const t0 = now();
  const run = spawnSync('/usr/bin/time', ['-f', '%U %S %M', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const ms = now() - t0;
  if (run.status !== 0) throw new Error(`${argv.join(' ')} failed (${run.status}): ${run.stderr}`);
  const [user, system, kb] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { ms, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, peakRssMb: (kb ?? 0) / 1024 };
}

/** Scans the corpus once if no scenario has catalogued it yet. */
async function ensureCatalog(root: string, cacheDir: string): Promise<void> {
  if (existsSync(path.join(root, '.photolala.md5'))) {
    // A catalog of an older schema, or with its listing in larger chunks than are written now, is
    // read as it stands until something publishes: it would be timed at its old size and shape, so
    // it is made again (its photos are in the cache already).
    const [schema, chunkRows] = sqlite(
      newestSnapshot(root),
      `SELECT (SELECT value FROM version WHERE key = 'schema_version'), (SELECT max(rows) FROM listing)`,
    ).split('|');
    if (Number(schema) >= SCHEMA_VERSION && Number(chunkRows) <= LISTING_CHUNK_ROWS) return;
    removeSnapshots(root);
    rmSync(new PhotoCache(cacheDir).mirrorDir(`file://${root}`), { recursive: true, force: true });
  }
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await catalog.scan();
  await catalog.close();
}

/**
 * The newest snapshot file a root's pointer names: the root's own copy, or with `cacheDir`
 * the cache mirror's, the SQLite file itself, which sqlite3 can read.
 */
function newestSnapshot(root: string, cacheDir?: string): string {
  const pointer = readFileSync(path.join(root, '.photolala.md5'), 'utf8').split('\n')[0]!;
  const dir = cacheDir === undefined ? root : new PhotoCache(cacheDir).mirrorDir(`file://${root}`);
  return path.join(dir, `.photolala.${pointer}.sqlite`);
}

/** sqlite3 on `file` with `sql`: its output, trimmed. */
function sqlite(file: string, sql: string): string {
  const run = spawnSync('sqlite3', [file, sql], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`sqlite3 failed (apt-get install sqlite3): ${run.stderr}`);
  return run.stdout.trim();
}

/**
 * A phone's EXIF in every photo's metadata document (values drawn at random per photo, so they
 * compress as real ones do), the entries' dates and sizes to match, and the listing rebuilt from them
 * as the catalog writes it (chunks of 500 rows in path order, one JSON array per column).
 */
const CAMERA_LIKE_SQL = (columns: string) => `
UPDATE metadata SET document = json_set(document,
  '$.takenAt', strftime('%Y-%m-%dT%H:%M:%S', 1500000000 + abs(random() % 300000000), 'unixepoch') || '+02:00',
  '$.takenAtSource', 'DateTimeOriginal',
  '$.width', 4032, '$.height', 3024, '$.storedWidth', 4032, '$.storedHeight', 3024,
  '$.orientation', 1 + 5 * abs(random() % 2),
  '$.make', 'Apple', '$.model', 'iPhone 13 Pro',
  '$.lens', 'iPhone 13 Pro back triple camera 5.7mm f/1.5',
  '$.exposureTime', 1.0 / (30 + abs(random() % 4000)),
  '$.fNumber', 1.5, '$.iso', 32 + abs(random() % 3000), '$.focalLength', 5.7,
  '$.gps', json_object('latitude', 35 + abs(random() % 2000000) / 100000.0,
    'longitude', -10 + abs(random() % 3000000) / 100000.0, 'altitude', abs(random() % 300000) / 100.0));
UPDATE entries SET width = 4032, height = 3024,
  taken_at = (SELECT json_extract(document, '$.takenAt') FROM metadata m WHERE m.photo_md5 = entries.photo_md5)
  WHERE photo_md5 IS NOT NULL;
DELETE FROM listing;
INSERT INTO listing (chunk, rows, json)
  SELECT c, count(*), json_array(${columns
    .split(', ')
    .map((c) => `json_group_array(${c})`)
    .join(', ')})
  FROM (SELECT (row_number() OVER (ORDER BY path) - 1) / 500 AS c, * FROM entries ORDER BY path) GROUP BY c;`;

/** The issue's target for a snapshot: at most 35 MB per 100,000 photos (issue 26, section 2). */
const SNAPSHOT_TARGET_BYTES_PER_100K = 35e6;

/** A snapshot's size as stored in the root (packed) and as SQLite, per 100,000 photos and against the target. */
function snapshotSize(bytes: number, photos: number) {
  const per100k = (bytes / Math.max(photos, 1)) * 100_000;
  return {
    snapshotMb: +(bytes / 1e6).toFixed(1),
    snapshotMbPer100k: +(per100k / 1e6).toFixed(1),
    snapshotTargetRatio: +(per100k / SNAPSHOT_TARGET_BYTES_PER_100K).toFixed(2),
  };
}

/** The corpus' photo count, from the marker its generator leaves. */
function countOf(root: string): number {
  const marker = readdirSync(root).find((n) => n.startsWith('.complete-'));
  return marker ? Number(marker.slice('.complete-'.length)) : 0;
}

/**
 * `{root}-backup`: the corpus hard-linked but for every twentieth photo, catalogued once. The corpus
 * itself is catalogued first if no scenario has done so yet.
 */
async function backupOf(root: string, cacheDir: string): Promise<string> {
  await ensureCatalog(root, cacheDir);
  const backup = `${root}-backup`;
  const marker = path.join(backup, '.complete');
  if (existsSync(marker) && existsSync(path.join(backup, '.photolala.md5'))) return backup;
  rmSync(backup, { recursive: true, force: true });
  let photo = 0;
  for (const folder of readdirSync(root, { withFileTypes: true })) {
    if (!folder.isDirectory() || folder.name.startsWith('.')) continue;
    mkdirSync(path.join(backup, folder.name), { recursive: true });
    for (const name of readdirSync(path.join(root, folder.name))) {
      if (name.endsWith('.JPG') && !name.startsWith('.') && photo++ % 20 === 0) continue;
      linkSync(path.join(root, folder.name, name), path.join(backup, folder.name, name));
    }
  }
  const catalog = await openCatalog(await createLocalSource({ root: backup }), { cacheDir });
  await catalog.scan();
  await catalog.close();
  writeFileSync(marker, '');
  return backup;
}

/** `count` 64-bit hashes as hex: random, and every tenth followed by a copy with 1 to 8 bits flipped. */
function syntheticHashes(count: number): string[] {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const hashes: string[] = [];
  while (hashes.length < count) {
    let hi = next();
    let lo = next();
    hashes.push(hex(hi) + hex(lo));
    if (hashes.length % 10 === 1 && hashes.length < count) {
      for (let flips = 1 + (next() % 8); flips > 0; flips--) {
        const bit = next() % 64;
        if (bit < 32) hi = (hi ^ (1 << bit)) >>> 0;
        else lo = (lo ^ (1 << (bit - 32))) >>> 0;
      }
      hashes.push(hex(hi) + hex(lo));
    }
  }
  return hashes;
}

/**
 * Peak RSS of this process alone. getrusage's maxRSS survives fork+exec, so a child spawned by a
 * large parent reports the parent's peak; /proc's VmHWM belongs to the new address space.
 */
function peakRssMb(status = '/proc/self/status'): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
    if (match) return Math.round(Number(match[1]) / 1024);
  } catch {
    // Not Linux.
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

const result = await run();
process.stdout.write(`${JSON.stringify({ ...result, peakRssMb: peakRssMb() })}\n`);
