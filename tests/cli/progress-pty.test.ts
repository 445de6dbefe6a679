import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import formatBytes from 'bytes';
import { afterAll, expect, test } from 'vitest';
import { REPO_ROOT, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { CLI, inPty, runCli } from './run-cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** A root folder and a cache folder for one test, removed after all of them. */
async function rootAndCache(name: string): Promise<{ root: string; cacheDir: string }> {
  const root = await tempDir(`pty-${name}-root`);
  const cacheDir = await tempDir(`pty-${name}-cache`);
  cleanup.push(root, cacheDir);
  return { root, cacheDir };
}

test('on a terminal, scan draws a live progress bar with phase, counts, rate and ETA', async () => {
  const { root, cacheDir } = await rootAndCache('scan');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 80; i++) files[`p/${i}.jpg`] = await syntheticJpeg(500 + i, 800, 600);
  await writeTree(root, files);
  const { code, output } = await inPty(`${process.execPath} ${CLI} --cache-dir ${cacheDir} scan ${root}`, {
    NO_COLOR: '',
  });
  expect(code).toBe(0);
  expect(output).toMatch(/digesting\s+\S*[█░]+\S* \d+\/80 files \| \d+\/s \| ETA /);
  expect(output).toContain('80 entries');
});

test('on a terminal, verify --repair draws a progress bar of the photos it makes again', async () => {
  const { root, cacheDir } = await rootAndCache('repair');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 30; i++) files[`r/${i}.jpg`] = await syntheticJpeg(700 + i, 800, 600);
  await writeTree(root, files);
  const cli = `${process.execPath} ${CLI} --cache-dir ${cacheDir}`;
  expect((await inPty(`${cli} scan ${root}`, { NO_COLOR: '' })).code).toBe(0);
  await rm(path.join(cacheDir, 'local', 'thumbnails'), { recursive: true });
  const { code, output } = await inPty(`${cli} verify ${root} --repair`, { NO_COLOR: '' });
  expect(code).toBe(0);
  expect(output).toMatch(/repairing\s+\S*[█░]+\S* \d+\/30 photos \| \d+\/s \| ETA /);
  expect(output).toContain('repaired 30, could not repair 0');
});

test('on a terminal, an open that takes more than a second says so, then erases the line', async () => {
  const { root, cacheDir } = await rootAndCache('open');
  await writeTree(root, { 'a.jpg': await syntheticJpeg(801) });
  const plugin = { PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}` };
  const cli = `${process.execPath} ${CLI} --cache-dir ${cacheDir}`;
  expect((await inPty(`${cli} scan alias://${root}`, { ...plugin, NO_COLOR: '' })).code).toBe(0);
  // Each read of the store now takes 1.5 s; the open reads the root's pointer first.
  const slow = await inPty(`${cli} list alias://${root}`, {
    ...plugin,
    NO_COLOR: '',
    ALIAS_READ_DELAY_MS: '1500',
  });
  expect(slow.code).toBe(0);
  expect(slow.output).toContain(`opening the catalog of alias://${root}…\r\u001b[2K`);
  expect(slow.output).toContain('a.jpg');
  const quick = await inPty(`${cli} list alias://${root}`, { ...plugin, NO_COLOR: '' });
  expect(quick.output).not.toContain('opening the catalog');
});

test('on a terminal, a slow download of the snapshot of the root draws a bar of bytes', async () => {
  const { root, cacheDir } = await rootAndCache('load');
  const freshCache = await tempDir('pty-load-fresh-cache');
  cleanup.push(freshCache);
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 40; i++) files[`l/${i}.jpg`] = await syntheticJpeg(900 + i);
  await writeTree(root, files);
  // A scan of the folder itself leaves its snapshot in the root; the read-only alias backend then
  // serves that root, and a fresh cache has no mirror copy: the snapshot must be read from the root.
  expect((await runCli(['--cache-dir', cacheDir, 'scan', root])).code).toBe(0);
  const snapshot = (await readdir(root)).find((name) => name.endsWith('.sqlite'))!;
  const { size } = await stat(path.join(root, snapshot));
  const plugin = { PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}` };
  const chunks = Math.ceil(size / (16 * 1024));
  const slow = await inPty(`${process.execPath} ${CLI} --cache-dir ${freshCache} list alias://${root}`, {
    ...plugin,
    NO_COLOR: '',
    // The whole read takes about two seconds, so the bar appears after the first.
    ALIAS_CHUNK_DELAY_MS: String(Math.ceil(2000 / chunks)),
  });
  expect(slow.code).toBe(0);
  // Amounts in bytes with their units ("32KB/32KB | 16KB/s"); the alias store cannot tell the size,
  // so the total shown is what has been read.
  expect(slow.output).toMatch(/loading\s+\S*[█░]+\S* ([\d.]+[KMG]?B)\/\1 \| [\d.]+[KMG]?B\/s \| ETA /);
  expect(slow.output).toContain('l/39.jpg');
});

test('on a terminal, a save that takes more than a second says so, then erases the line', async () => {
  const { root, cacheDir } = await rootAndCache('save');
  await writeTree(root, { 'a.jpg': await syntheticJpeg(811), 'b.jpg': await syntheticJpeg(812) });
  const plugin = { PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}` };
  const cli = `${process.execPath} ${CLI} --cache-dir ${cacheDir}`;
  const writable = { ...plugin, NO_COLOR: '', ALIAS_WRITE_DELAY_MS: '0' };
  expect((await inPty(`${cli} scan alias://${root}`, writable)).code).toBe(0);
  const before = await readdir(root);
  // Starring publishes a new snapshot on close; each write to the store now takes 1.5 s.
  const slow = await inPty(`${cli} star alias://${root} a.jpg`, {
    ...writable,
    ALIAS_WRITE_DELAY_MS: '1500',
  });
  expect(slow.code).toBe(0);
  expect(slow.output).toContain(`saving the catalog of alias://${root}…\r\u001b[2K`);
  const snapshots = (await readdir(root)).filter((name) => name.endsWith('.sqlite'));
  expect(snapshots).toHaveLength(before.filter((name) => name.endsWith('.sqlite')).length + 1);
  // A command that changes nothing writes nothing on close, however slow the store.
  const quick = await inPty(`${cli} list alias://${root}`, { ...writable, ALIAS_WRITE_DELAY_MS: '1500' });
  expect(quick.code).toBe(0);
  expect(quick.output).toContain('a.jpg');
  expect(quick.output).not.toContain('saving the catalog');
});

test('on a terminal, a slow upload of the snapshot draws a bar of bytes, in a scan and in a save', async () => {
  const { root, cacheDir } = await rootAndCache('upload');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 30; i++) files[`u/${i}.jpg`] = await syntheticJpeg(950 + i);
  await writeTree(root, files);
  const plugin = { PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}` };
  const cli = `${process.execPath} ${CLI} --cache-dir ${cacheDir}`;
  // Each 16 KiB of the snapshot takes 400 ms to reach the store.
  const slow = { ...plugin, NO_COLOR: '', ALIAS_WRITE_DELAY_MS: '0', ALIAS_WRITE_CHUNK_DELAY_MS: '400' };
  const bytesBar = (label: string) =>
    new RegExp(`${label}\\s+\\S*[█░]+\\S* [\\d.]+[KMG]?B/[\\d.]+[KMG]?B \\| [\\d.]+[KMG]?B/s \\| ETA `);
  const scan = await inPty(`${cli} scan alias://${root}`, slow);
  expect(scan.code).toBe(0);
  expect(scan.output).toMatch(bytesBar('saving'));
  const snapshot = (await readdir(root)).find((name) => name.endsWith('.sqlite'))!;
  const total = formatBytes((await stat(path.join(root, snapshot))).size, { decimalPlaces: 1 })!;
  expect(scan.output).toMatch(new RegExp(`saving .* [\\d.]+[KMG]?B/${total.replace('.', '\\.')} `));
  // Starring publishes on close: past a second, the same bar replaces "saving the catalog…".
  const star = await inPty(`${cli} star alias://${root} u/3.jpg`, slow);
  expect(star.code).toBe(0);
  expect(star.output).toMatch(bytesBar('saving'));
  expect(star.output).toContain('starred u/3.jpg');
});
