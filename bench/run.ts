// `pnpm bench`: measures every phase against a baseline run in the same process, plus peak RSS.
// The machine is shared and noisy, so results are ratios and medians, never absolute pass/fail times.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOCAL_DIGEST_LIMITS } from '@photolala/core/internals';
import ts from 'typescript';
import { cameraCorpus, datedCorpus, smallCorpus, videoCorpus } from './corpus.js';
import type { ScenarioResult } from './scenario.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    quick: { type: 'boolean', default: false },
    files: { type: 'string' },
    camera: { type: 'string' },
    videos: { type: 'string' },
    remote: { type: 'boolean', default: false },
    'remote-files': { type: 'string' },
    runs: { type: 'string' },
    scenarios: { type: 'string' },
    concurrency: { type: 'string' },
    out: { type: 'string' },
    'corpus-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`pnpm bench [--quick] [--files N] [--camera N] [--runs N] [--scenarios a,b] [--concurrency N] [--out FILE]
scenarios: discovery, full, rescan, reload, snapshot-size (MB per 100k photos, not ms), lookups, camera, video, compare, similar, gallery,
  gallery-browser (headless Chromium at /usr/bin/chromium: apt-get install -y chromium),
  cli-version, cli-list, cli-scan (the built CLI as a process against node -e 0, sqlite3, find),
  cli-first-scan (the CLI's first scan of the corpus from nothing, a process: peak RSS),
  remote-s3, remote-webdav, remote-smb (opt-in, or --remote for all three: an s3:// root on s3rver, a
  webdav:// root on rclone serve webdav, an smb:// root on Samba's smbd; --remote-files N objects,
  default 100,000, 1,000 with --quick; uploading them the first time takes minutes)
--quick: 10,000 small files, 8 camera photos, 1 run each (under a minute: 50 s measured on
  2 cores with the corpora made, 39 s of it the full cold catalog of 10,000 photos; making the
  corpora from nothing adds about 7 s)
default: 100,000 small files, 40 camera photos, 12 videos (--videos N; made by the system ffmpeg),
  3 runs (2 for camera, 1 for the full cold catalog)
--concurrency: images digested at once by the catalog, and by the sharp loop it is compared with
  (default: the catalog's own, one per core plus one)\n`);
  process.exit(0);
}

/** A count option's value, or the default; anything but a positive whole number stops the run. */
function countOption(name: string, fallback: number): number {
  const text = values[name as keyof typeof values];
  if (text === undefined) return fallback;
  const count = Number(text);
  if (typeof text !== 'string' || !Number.isInteger(count) || count < 1) {
    process.stderr.write(`pnpm bench: --${name} must be a positive whole number, not "${String(text)}"\n`);
    process.exit(2);
  }
  return count;
}

const quick = values.quick;
const files = countOption('files', quick ? 10_000 : 100_000);
const cameraCount = countOption('camera', quick ? 8 : 40);
const videoCount = countOption('videos', quick ? 4 : 12);
const runsOverride = values.runs === undefined ? undefined : countOption('runs', 1);
// The catalog's own default, so that the sharp loop it is compared with runs as many at once.
const concurrency = countOption('concurrency', LOCAL_DIGEST_LIMITS.concurrency);
const remoteFiles = countOption('remote-files', quick ? 1000 : 100_000);
const selected = (
  values.scenarios ??
  'discovery,full,rescan,reload,snapshot-size,lookups,camera,video,compare,similar,gallery,gallery-browser,cli-version,cli-list,cli-scan,cli-first-scan'
).split(',');
if (values.remote)
  for (const remote of ['remote-s3', 'remote-webdav', 'remote-smb'])
    if (!selected.includes(remote)) selected.push(remote);
const corpusRoot = path.resolve(values['corpus-dir'] ?? path.join(here, '..', '.bench-cache'));

const TARGETS: Record<string, { text: string; check: (r: Summary) => boolean }> = {
  discovery: {
    text: 'time <= 0.8x minimal loop, warm and cold',
    check: (r) => r.ratio! <= 0.8 && Number(r.extra.coldRatio) <= 0.8,
  },
  rescan: {
    text: 'time <= 1.5x find, 0 files opened',
    check: (r) => r.ratio! <= 1.5 && r.extra.filesOpened === 0,
  },
  reload: { text: 'time <= 1.5x sqlite3', check: (r) => r.ratio! <= 1.5 },
  // Its `ms` is the larger of the two corpora's MB per 100,000 photos, not a time.
  'snapshot-size': {
    text: 'root snapshot <= 35 MB per 100k photos (bench and camera-like corpus)',
    check: (r) => r.ms <= 35,
  },
  camera: {
    text: 'throughput >= 0.9x sharp+MD5 loop, in-process and as processes',
    check: (r) => 1 / r.ratio! >= 0.9 && Number(r.extra.cliThroughputRatio) >= 0.9,
  },
  // Strictly: 300 decimal MB is 286 MiB.
  full: {
    text: 'throughput >= 0.8x sharp loop; peak RSS < 300 MB (286 MiB)',
    check: (r) => 1 / r.ratio! >= 0.8 && r.peakRssMb * 1.048576 < 300,
  },
  lookups: { text: 'per-call time reported', check: () => true },
  video: { text: 'per-video cost reported', check: () => true },
  'remote-s3': {
    text: 'unchanged rescan <= 1.3x bare listing, no GET of a photo',
    check: (r) => r.ratio! <= 1.3 && r.extra.rescanPhotoReads === 0,
  },
  'remote-webdav': {
    text: 'unchanged rescan <= 1.3x rclone lsf -R, no GET of a photo',
    check: (r) => r.ratio! <= 1.3 && r.extra.rescanPhotoReads === 0,
  },
  'remote-smb': {
    text: 'unchanged rescan <= 1.3x smbclient recursive ls, no photo read',
    check: (r) => r.ratio! <= 1.3 && r.extra.rescanPhotoReads === 0,
  },
  compare: { text: 'compare + duplicates <= 2x sqlite3 join', check: (r) => r.ratio! <= 2 },
  similar: { text: 'faster than all pairs; memory reported', check: (r) => r.ratio! < 1 },
  gallery: {
    // The issue's 1.5x is against a static page in a browser, whose own start dwarfs a server's; here
    // the ratio to a bare static server is reported and its absolute 1.5 s judged.
    text: 'start to first screen <= 1.5 s; ratio and RSS reported',
    check: (r) => r.ms <= 1500,
  },
  'cli-version': { text: 'photolala --version <= 1.5x node -e 0', check: (r) => r.ratio! <= 1.5 },
  'cli-list': { text: 'list --json <= 2x sqlite3 select, processes', check: (r) => r.ratio! <= 2 },
  'cli-first-scan': {
    text: 'first scan through the CLI, --json: peak RSS < 300 MB (286 MiB)',
    check: (r) => Number(r.extra.cliPeakRssMb) * 1.048576 < 300,
  },
  'cli-scan': {
    text: 'unchanged scan <= 2.5x find, processes; peak RSS < 300 MB',
    check: (r) => r.ratio! <= 2.5 && Number(r.extra.cliPeakRssMb) * 1.048576 < 300,
  },
  'gallery-browser': {
    text: 'painted first screen <= 1.5x static page and <= 1.5 s; jumps <= 300 ms; no tile blank > 500 ms; heap <= 100 MB, DOM <= 3,000 nodes',
    check: (r) =>
      r.ratio! <= 1.5 &&
      r.ms <= 1500 &&
      Math.max(Number(r.extra.jumpMiddleMs), Number(r.extra.jumpOldestMs)) <= 300 &&
      r.extra.blankOver500ms === 0 &&
      Number(r.extra.jsHeapMb) * 1.048576 <= 100 &&
      Number(r.extra.domNodes) <= 3000,
  },
};

interface Summary extends ScenarioResult {
  runs: number;
  ratio?: number;
  /** Null below the scale the targets are set for, where fixed costs dominate the ratios. */
  met: boolean | null;
}

/** The issue sets its targets for 100,000 files and 40 camera photos; a quick run is a smoke test. */
const TARGET_SCALE = { files: 100_000, camera: 40 };
const atTargetScale = (scenario: string) =>
  scenario === 'camera'
    ? cameraCount >= TARGET_SCALE.camera
    : scenario.startsWith('remote-')
      ? remoteFiles >= TARGET_SCALE.files
      : files >= TARGET_SCALE.files;

/**
 * The scenario runs as plain JavaScript: under tsx its process also carries the TypeScript loader's
 * thread (34 MiB of resident memory, measured), which is the harness's cost, not the catalog's.
 */
function compileScenario(): string {
  // gallery-browser.ts drives the browser for `gallery-browser`; remote.ts (S3) and remote-servers.ts
  // (WebDAV, SMB) the servers of the remote scenarios, whose phases remote-phases.ts times.
  for (const name of ['gallery-browser', 'remote', 'remote-phases', 'remote-servers', 'scenario']) {
    const source = readFileSync(path.join(here, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    mkdirSync(path.join(here, 'dist'), { recursive: true });
    writeFileSync(path.join(here, 'dist', `${name}.js`), outputText);
  }
  return path.join(here, 'dist', 'scenario.js');
}

const scenarioScript = compileScenario();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function runScenario(scenario: string, root: string, cacheDir: string, runs: number): Summary {
  const results: ScenarioResult[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(
      process.execPath,
      [scenarioScript, JSON.stringify({ scenario, root, cacheDir, concurrency, objects: remoteFiles })],
      { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
    );
    results.push(JSON.parse(out.trim().split('\n').pop()!) as ScenarioResult);
    process.stderr.write('.');
  }
  const ms = median(results.map((r) => r.ms));
  const baselineMs =
    results[0]!.baselineMs === undefined ? undefined : median(results.map((r) => r.baselineMs!));
  const chosen = results.find((r) => r.ms === ms)!;
  const summary: Summary = {
    ...chosen,
    ms,
    ...(baselineMs !== undefined ? { baselineMs, ratio: ms / baselineMs } : {}),
    peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
    runs,
    met: false,
  };
  summary.met = atTargetScale(scenario) ? (TARGETS[scenario]?.check(summary) ?? true) : null;
  return summary;
}

const started = Date.now();
process.stderr.write(`corpora in ${corpusRoot} (generated once)\n`);
const small = await smallCorpus(path.join(corpusRoot, `small-${files}`), files);
const camera = selected.includes('camera')
  ? await cameraCorpus(path.join(corpusRoot, `camera-${cameraCount}`), cameraCount)
  : '';
// gallery-browser's timeline spans 8 years of months to jump between; the same photos, so the same cache.
const dated = selected.includes('gallery-browser')
  ? datedCorpus(small, path.join(corpusRoot, `dated-${files}`), files, 8)
  : '';
const video = selected.includes('video')
  ? videoCorpus(path.join(corpusRoot, `video-${videoCount}`), videoCount)
  : '';
const cacheDir = path.join(corpusRoot, `cache-${files}`);
const summaries: Summary[] = [];
for (const scenario of [
  'discovery',
  'full',
  'rescan',
  'reload',
  'snapshot-size',
  'lookups',
  'camera',
  'video',
  'compare',
  'similar',
  'gallery',
  'gallery-browser',
  'cli-version',
  'cli-list',
  'cli-scan',
  'cli-first-scan',
  'remote-s3',
  'remote-webdav',
  'remote-smb',
]) {
  if (!selected.includes(scenario)) continue;
  const runs =
    runsOverride ??
    (quick || scenario === 'full' || scenario === 'cli-first-scan' || scenario === 'snapshot-size'
      ? 1
      : scenario === 'camera'
        ? 2
        : 3);
  process.stderr.write(`${scenario} `);
  const root =
    scenario === 'camera'
      ? camera
      : scenario === 'video'
        ? video
        : scenario === 'gallery-browser'
          ? dated
          : small;
  summaries.push(
    runScenario(
      scenario,
      root,
      scenario === 'camera' || scenario === 'video' || scenario.startsWith('remote-')
        ? path.join(corpusRoot, `cache-${scenario}`)
        : cacheDir,
      runs,
    ),
  );
  process.stderr.write('\n');
}

const rows = summaries.map((s) => ({
  scenario: s.scenario,
  files: s.files,
  'ms (median)': Math.round(s.ms),
  'baseline ms': s.baselineMs === undefined ? '-' : Math.round(s.baselineMs),
  ratio:
    s.ratio === undefined
      ? '-'
      : s.scenario === 'camera' || s.scenario === 'full'
        ? `${(1 / s.ratio).toFixed(2)}x thr`
        : `${s.ratio.toFixed(2)}x`,
  'peak RSS MiB': s.peakRssMb,
  target: TARGETS[s.scenario]?.text ?? '',
  met: s.met === null ? '-' : s.met ? 'yes' : 'NO',
}));
console.table(rows);
if (summaries.some((s) => s.met === null))
  process.stdout.write(
    `met '-': the targets are judged at ${TARGET_SCALE.files.toLocaleString('en')} files and ${TARGET_SCALE.camera} camera photos (pnpm bench); smaller runs check that every scenario works, and their ratios are dominated by fixed costs\n`,
  );
for (const s of summaries)
  process.stdout.write(
    `${s.scenario}: ${JSON.stringify(s.extra)}${s.baseline ? `  [baseline: ${s.baseline}]` : ''}\n`,
  );

const outFile = path.resolve(
  values.out ?? path.join(here, '..', 'bench-results', `bench-${quick ? 'quick' : 'full'}.json`),
);
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.availableParallelism(), files, cameraCount, concurrency, durationS: Math.round((Date.now() - started) / 1000), summaries }, null, 2)}\n`,
);
process.stdout.write(`results written to ${outFile}\n`);
