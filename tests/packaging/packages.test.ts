import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/fs.js';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  type?: string;
  keywords?: string[];
  repository?: { type: string; url: string; directory?: string };
  homepage?: string;
  bugs?: { url: string };
  publishConfig?: { access?: string; exports?: unknown };
  files?: string[];
  engines?: { node?: string };
  sideEffects?: boolean;
  scripts?: Record<string, string>;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const packagesDir = path.join(REPO_ROOT, 'packages');
const rootManifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const attw = path.join(REPO_ROOT, 'node_modules/.bin/attw');
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

/**
 * What `pnpm pack` puts in the tarball npm would publish: its file list and its package.json. Scripts
 * are skipped: `prepack` would rebuild dist/ under the other tests (the build ran before them).
 */
function pack(dir: string): { tarball: string; files: string[]; manifest: Manifest } {
  const output = execFileSync(
    'pnpm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', destination],
    { cwd: dir, encoding: 'utf8' },
  );
  const report = JSON.parse(output) as { filename: string; files: { path: string }[] };
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', report.filename, 'package/package.json'], { encoding: 'utf8' }),
  ) as Manifest;
  return { tarball: report.filename, files: report.files.map((f) => f.path), manifest };
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
      // The "source" condition (src/*.ts, for this repository's own tests) is not published: with
      // --conditions=source a user would get files the tarball does not hold. Every entry has a
      // "default" beside "import", so require() from CommonJS (require(esm), Node 20.19+) finds it.
      // The packed exports are the workspace's, but for those two (publishConfig.exports, kept in step).
      const workspace = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
      const expected = Object.fromEntries(
        Object.entries(workspace.exports ?? {}).map(([entry, target]) => {
          if (typeof target === 'string') return [entry, target];
          const { source: _source, ...published } = target;
          return [entry, { ...published, default: published.import }];
        }),
      );
      expect(manifest.exports).toEqual(expected);
      expect(JSON.stringify(manifest.exports)).not.toMatch(/"source"|\/src\//);
      // Every file an export or a bin names is in the tarball.
      const named = Object.values(manifest.exports ?? {}).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
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

  for (const dir of published) {
    const name = path.basename(dir);
    test(`${name}: its manifest has what publishing needs`, () => {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
      const repo = rootManifest.repository?.url ?? '';
      expect(repo).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
      const web = repo.replace(/^git\+/, '').replace(/\.git$/, '');
      expect(manifest.repository).toEqual({ type: 'git', url: repo, directory: `packages/${name}` });
      expect(manifest.homepage).toBe(`${web}/tree/main/packages/${name}#readme`);
      expect(manifest.bugs).toEqual({ url: `${web}/issues` });
      expect(manifest.license).toBe('MIT');
      expect(manifest.publishConfig?.access).toBe('public');
      expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'CHANGELOG.md']));
      expect(manifest.engines).toEqual(rootManifest.engines);
      expect(manifest.sideEffects).toBe(false);
      expect(manifest.keywords).toContain('photolala');
      // A pack (and so a publish) builds the package and what it depends on first.
      expect(manifest.scripts?.prepack).toBe(`turbo run build --filter=${manifest.name}`);
      // ESM-only: every export is `import` (with its types first), never `require`.
      expect(manifest.type).toBe('module');
      for (const [subpath, target] of Object.entries(manifest.exports ?? {}))
        if (subpath !== './package.json')
          expect(Object.keys(target), `${name} ${subpath}`).toEqual(['types', 'source', 'import']);
      expect(readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8')).toMatch(
        new RegExp(`^# ${manifest.name.replace('/', '\\/')}\n`),
      );
    });

    test(`${name}: the tarball passes publint (strict) and arethetypeswrong (esm-only)`, async () => {
      const { tarball, files } = pack(dir);
      expect(files).toContain('CHANGELOG.md');
      const bytes = await readFile(tarball);
      const lint = await publint({
        pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
        strict: true,
      });
      expect(lint.messages.map((message) => formatMessage(message, lint.pkg, { color: false }))).toEqual([]);
      // attw exits non-zero when a problem remains that the esm-only profile does not excuse (it
      // excuses only the CommonJS resolutions, which an ESM-only package cannot serve).
      const checked = spawnSync(attw, [tarball, '--profile', 'esm-only', '--no-color', '--no-emoji'], {
        encoding: 'utf8',
      });
      expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    }, 120_000);
  }

  test("core ships the spec its JSDoc points to, and every pointer names one of the spec's sections", () => {
    const design = readFileSync(path.join(packagesDir, 'core', 'DESIGN.md'), 'utf8');
    expect(design).toBe(readFileSync(path.join(REPO_ROOT, '..', 'shared', 'DESIGN.md'), 'utf8'));
    expect(pack(path.join(packagesDir, 'core')).files).toContain('DESIGN.md');
    const sections = new Set([...design.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\. /gm)].map((m) => m[1]));
    const sources = readdirSync(path.join(packagesDir, 'core', 'src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(path.join(packagesDir, 'core', 'src', file), 'utf8'));
    const pointers = sources.flatMap((text) =>
      [...text.replace(/\n\s*\* ?/g, ' ').matchAll(/DESIGN\.md,? section (\d+(?:\.\d+)?)/g)].map((m) => m[1]),
    );
    expect(pointers.length).toBeGreaterThan(3);
    for (const pointer of pointers) expect(sections, `DESIGN.md section ${pointer}`).toContain(pointer);
  });

  test('what a backend author needs ships in core: its README has "Writing a backend", where the error for an unknown scheme points', () => {
    const readme = readFileSync(path.join(packagesDir, 'core', 'README.md'), 'utf8');
    expect(readme).toMatch(/^## Writing a backend$/m);
    expect(readme).toContain('defineNativeErrors({ backend, codes })');
    expect(readme).not.toMatch(/repository README, "Writing a backend"/);
    const registry = readFileSync(path.join(packagesDir, 'core', 'src/source/registry.ts'), 'utf8');
    const url = /WRITING_A_BACKEND_URL =\s*'([^']+)'/.exec(registry)?.[1];
    const repo = (rootManifest.repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
    expect(url).toBe(`${repo}/blob/main/packages/core/README.md#writing-a-backend`);
    expect(registry).toMatch(/\(see \$\{WRITING_A_BACKEND_URL\}\)/);
    const { files } = pack(path.join(packagesDir, 'core'));
    expect(files).toContain('README.md');
  });

  test("core's entries are the ones its README documents: main, /backend, /testing, and /internals", () => {
    const { files, manifest } = pack(path.join(packagesDir, 'core'));
    expect(Object.keys(manifest.exports ?? {})).toEqual([
      '.',
      './backend',
      './testing',
      './internals',
      './package.json',
    ]);
    for (const entry of ['index', 'backend', 'internals', 'testing/index'])
      expect(files).toEqual(expect.arrayContaining([`dist/${entry}.js`, `dist/${entry}.d.ts`]));
    const readme = readFileSync(path.join(packagesDir, 'core', 'README.md'), 'utf8');
    for (const entry of ['@photolala/core/backend', '@photolala/core/testing', '@photolala/core/internals'])
      expect(readme).toContain(`\`${entry}\``);
  });

  test('the CLI bin is executable and starts with a shebang', () => {
    const bin = path.join(packagesDir, 'cli', 'bin', 'photolala.js');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(execFileSync('test', ['-x', bin]).length).toBe(0);
  });
});
