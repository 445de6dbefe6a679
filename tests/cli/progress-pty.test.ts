import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
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
