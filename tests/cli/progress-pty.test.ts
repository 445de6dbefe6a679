import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { REPO_ROOT, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { CLI, inPty } from './run-cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('on a terminal, scan draws a live progress bar with phase, counts, rate and ETA', async () => {
  const root = await tempDir('pty-root');
  const cacheDir = await tempDir('pty-cache');
  cleanup.push(root, cacheDir);
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
  const root = await tempDir('pty-repair-root');
  const cacheDir = await tempDir('pty-repair-cache');
  cleanup.push(root, cacheDir);
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
  const root = await tempDir('pty-open-root');
  const cacheDir = await tempDir('pty-open-cache');
  cleanup.push(root, cacheDir);
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
