import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { md5Hex, POINTER_FILE, parsePointer, snapshotFileName } from '@photolala/core/internals';
import { afterAll, expect, test } from 'vitest';
import { REPO_ROOT, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const KILLS = 30;
const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

function startScanner(
  root: string,
  cacheDir: string,
  toggle: string,
): { proc: ChildProcess; firstScan: Promise<void> } {
  const proc = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', child, root, cacheDir, toggle],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const firstScan = new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      if (String(d).includes('scanned')) resolve();
    });
    proc.on('exit', (code, signal) =>
      reject(new Error(`scanner exited early (${code ?? signal}): ${stderr}`)),
    );
  });
  return { proc, firstScan };
}

test(`a catalog survives SIGKILL at ${KILLS} random moments`, async () => {
  const root = await tempDir('crash-root');
  const cacheDir = await tempDir('crash-cache');
  const work = await tempDir('crash-work');
  cleanup.push(root, cacheDir, work);
  const base: Record<string, Buffer> = {};
  for (let i = 0; i < 12; i++) base[`photos/${i}.jpg`] = await syntheticJpeg(i);
  await writeTree(root, base);
  const toggle = path.join(work, 'toggle.jpg');
  await writeFile(toggle, await syntheticJpeg(1000));
  const stateA = Object.keys(base).sort();
  const stateB = [...stateA, 'toggle.jpg'].sort();

  const loadedStates = new Set<string>();
  for (let kill = 0; kill < KILLS; kill++) {
    const { proc, firstScan } = startScanner(root, cacheDir, toggle);
    await firstScan;
    // Kill somewhere inside the scan / publish loop.
    await new Promise((r) => setTimeout(r, Math.random() * 120));
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;

    const pointer = parsePointer(await readFile(path.join(root, POINTER_FILE), 'utf8'));
    expect(pointer.length).toBeGreaterThan(0);
    const bytes = await readFile(path.join(root, snapshotFileName(pointer[0]!)));
    expect(md5Hex(bytes)).toBe(pointer[0]);

    const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), { cacheDir });
    expect(catalog.loadInfo.source).toBe('root');
    const paths = catalog.list().map((e) => e.path);
    expect([JSON.stringify(stateA), JSON.stringify(stateB)]).toContain(JSON.stringify(paths));
    loadedStates.add(paths.length === stateA.length ? 'A' : 'B');
    await catalog.close();
  }
  // Both states were seen, so kills really landed at different points of the loop.
  expect([...loadedStates].sort()).toEqual(['A', 'B']);
}, 240_000);
