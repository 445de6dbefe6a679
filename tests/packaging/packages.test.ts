import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/fs.js';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const packagesDir = path.join(REPO_ROOT, 'packages');
const published = readdirSync(packagesDir)
  .map((dir) => path.join(packagesDir, dir))
  .filter((dir) => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    return !manifest.private;
  });

let destination: string;
beforeAll(async () => {
  destination = await mkdtemp(path.join(tmpdir(), 'photolala-packs-'));
});
afterAll(async () => {
  await rm(destination, { recursive: true, force: true });
});

/** What `pnpm pack` puts in the tarball npm would publish: its file list and its package.json. */
function pack(dir: string): { files: string[]; manifest: Manifest } {
  const output = execFileSync('pnpm', ['pack', '--json', '--pack-destination', destination], {
    cwd: dir,
    encoding: 'utf8',
  });
  const report = JSON.parse(output) as { filename: string; files: { path: string }[] };
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', report.filename, 'package/package.json'], { encoding: 'utf8' }),
  ) as Manifest;
  return { files: report.files.map((f) => f.path), manifest };
}

describe('the published packages', () => {
  test('there are eight', () => {
    expect(published.map((dir) => path.basename(dir)).sort()).toEqual([
      'backend-apple-photos',
      'backend-local',
      'backend-s3',
      'backend-smb',
      'backend-webdav',
      'cli',
      'core',
      'gallery',
    ]);
  });

  for (const dir of published) {
    test(`${path.basename(dir)}: the tarball holds what its manifest names, its licence and readme, and no sources`, () => {
      const { files, manifest } = pack(dir);
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
      expect(manifest.license).toBe('MIT');
      expect(readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toBe(
        readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8'),
      );
      // Every file an export or a bin names is in the tarball (the "source" condition is for this
      // repository's own tests and is not published).
      const named = Object.values(manifest.exports ?? {}).flatMap((target) =>
        typeof target === 'string'
          ? [target]
          : Object.entries(target)
              .filter(([condition]) => condition !== 'source')
              .map(([, file]) => file),
      );
      // And files the code loads by URL at run time.
      const loaded =
        {
          'backend-local': ['worker/list-folder.mjs'],
          gallery: ['dist/ui/app.js', 'dist/ui/app.css'],
        }[path.basename(dir)] ?? [];
      for (const file of [...named, ...Object.values(manifest.bin ?? {}), ...loaded])
        expect(files, `${manifest.name}: ${file}`).toContain(file.replace(/^\.\//, ''));
      expect(files.filter((f) => /^(src|test|worker\/.*\.test)\//.test(f))).toEqual([]);
      // Workspace links are replaced by versions a registry can resolve.
      for (const deps of [manifest.dependencies, manifest.peerDependencies])
        for (const [name, range] of Object.entries(deps ?? {}))
          expect(range, `${manifest.name} -> ${name}`).not.toMatch(/^workspace:/);
    });
  }

  test('the CLI bin is executable and starts with a shebang', () => {
    const bin = path.join(packagesDir, 'cli', 'bin', 'photolala.js');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(execFileSync('test', ['-x', bin]).length).toBe(0);
  });
});
