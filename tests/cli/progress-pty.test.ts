import { rm } from 'node:fs/promises';
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
