import { createHash } from 'node:crypto';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FIXTURES, REPO_ROOT, tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

// Every command pays the CLI's start-up, and a command that does little must not load what it never
// uses: `--version`, `list` and an unchanged `scan` read no photo, so they load no metadata reader
// (exifr), no image library (sharp), no schema library (zod), no cloud SDK and no module resolver.
// The built CLI runs with a preload that records each module it loads (record-modules.mjs).

const RECORDER = pathToFileURL(path.join(REPO_ROOT, 'tests/cli/record-modules.mjs')).href;
const UNUSED = ['/exifr/', '/sharp/', '/@img/', '/zod/', '/@aws-sdk/', '/import-meta-resolve/'];
const PHOTOS = ['Canon_40D.jpg', 'DSCN0010.jpg'];

let root: string;
let work: string;
let firstScan: Awaited<ReturnType<typeof recorded>>;
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

let runs = 0;
/** Runs the built CLI with the recorder; resolves to its result and the modules it loaded. */
async function recorded(...args: string[]) {
  return record(['--cache-dir', path.join(work, 'cache'), ...args]);
}

/** As `recorded`, with no global option added: the command line exactly as given. */
async function record(argv: string[]) {
  const log = path.join(work, `modules-${runs++}.txt`);
  await writeFile(log, '');
  const result = await runCli(argv, {
    PHOTOLALA_MODULE_LOG: log,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${RECORDER}`,
  });
  const modules = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return { ...result, modules };
}

const loadedOf = (modules: string[]) => UNUSED.filter((name) => modules.some((m) => m.includes(name)));

beforeAll(async () => {
  root = await tempDir('start-up-root');
  work = await tempDir('start-up-work');
  cleanup.push(root, work);
  for (const name of PHOTOS) await copyFile(path.join(FIXTURES, name), path.join(root, name));
  await writeFile(path.join(root, 'notes.txt'), 'not a photo');
  firstScan = await recorded('scan', root, '--json');
});

test('the first scan loads the photo readers it needs and no schema library, which the recorder sees', async () => {
  const first = firstScan;
  expect(first.code, first.stderr).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ entries: 3, added: 3, failed: [] });
  // What the commands below must not load is loaded here, an ES module (exifr's) and CommonJS (sharp)
  // alike: the recorder sees them, so their absence below is not the recorder missing them. Not zod:
  // the documents a scan builds from EXIF are checked without it.
  expect(loadedOf(first.modules)).toEqual(['/exifr/', '/sharp/', '/@img/']);
});

test('list --json, an unchanged scan and --version load none of them', async () => {
  const md5 = async (name: string) =>
    createHash('md5')
      .update(await readFile(path.join(root, name)))
      .digest('hex');

  const list = await recorded('list', root, '--json');
  expect(list.code, list.stderr).toBe(0);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { path: string; photoMd5: string | null; kind: string });
  expect(rows.map((r) => [r.path, r.photoMd5, r.kind])).toEqual([
    ['Canon_40D.jpg', await md5('Canon_40D.jpg'), 'jpeg'],
    ['DSCN0010.jpg', await md5('DSCN0010.jpg'), 'jpeg'],
    ['notes.txt', null, 'other'],
  ]);
  expect(loadedOf(list.modules)).toEqual([]);
  // The recorder did run: the catalog's own modules are there.
  expect(list.modules.some((m) => m.includes('/better-sqlite3/'))).toBe(true);
  expect(list.modules.some((m) => m.endsWith('/packages/core/dist/index.js'))).toBe(true);

  const scan = await recorded('scan', root, '--json');
  expect(scan.code, scan.stderr).toBe(0);
  expect(JSON.parse(scan.stdout)).toMatchObject({ entries: 3, added: 0, changed: 0, unchanged: 3 });
  expect(loadedOf(scan.modules)).toEqual([]);
  // Nor the progress bar's module: no bar is drawn for --json.
  expect(scan.modules.filter((m) => m.includes('/cli-progress/'))).toEqual([]);

  // As a user types it (with a global option, commander answers it, loading the CLI).
  const version = await record(['--version']);
  const { version: expected } = JSON.parse(
    await readFile(path.join(REPO_ROOT, 'packages/cli/package.json'), 'utf8'),
  ) as { version: string };
  expect(version.code).toBe(0);
  expect(version.stdout.trim()).toBe(expected);
  // --version loads no part of the core, nor even the CLI's own modules (commander): the bin answers.
  expect(version.modules.filter((m) => m.includes('/packages/core/'))).toEqual([]);
  expect(version.modules.filter((m) => m.includes('/packages/cli/dist/'))).toEqual([]);
  expect(version.modules.some((m) => m.endsWith('/packages/cli/bin/photolala.js'))).toBe(true);
});
