import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/fs.js';
import { packWorkspace } from './pack.js';

// What a user gets from the registry, not the sources: every package is packed, and the tarballs are
// installed with npm into a project outside this workspace, where nothing resolves to src/.

const run = promisify(execFile);
const here = path.join(REPO_ROOT, 'tests/packaging/consumer');
const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
let project: string;
let packs: Record<string, string>;

/** Runs a command in the project, resolving with its output whatever its exit code. */
async function inProject(command: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'photolala-consumer-'));
  const packDir = path.join(project, 'packs');
  await mkdir(packDir);
  packs = await packWorkspace(packDir);
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  for (const file of await readdir(here)) await copyFile(path.join(here, file), path.join(project, file));
  // Only core, the local backend, the gallery and the CLI: the CLI must not need the other backends. Install
  // scripts are skipped and better-sqlite3's native module is copied from this workspace's build of
  // the same version, because compiling it again here takes minutes on a busy machine.
  const wanted = ['@photolala/core', '@photolala/backend-local', '@photolala/gallery', '@photolala/cli'];
  const install = await inProject('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--ignore-scripts',
    ...wanted.map((name) => packs[name] ?? name),
    '@types/node@^20.19.0',
  ]);
  expect(install.stderr, 'npm install of core, backend-local and the CLI').not.toMatch(/npm error/);
  const sqlite = path.dirname(
    createRequire(path.join(REPO_ROOT, 'packages/core/package.json')).resolve('better-sqlite3/package.json'),
  );
  const release = path.join(project, 'node_modules/better-sqlite3/build/Release');
  await mkdir(release, { recursive: true });
  await copyFile(
    path.join(sqlite, 'build/Release/better_sqlite3.node'),
    path.join(release, 'better_sqlite3.node'),
  );
}, 600_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the published packages, installed with npm outside the workspace', () => {
  test('only the local backend came along with the CLI', async () => {
    const installed = await readdir(path.join(project, 'node_modules/@photolala'));
    expect(installed.sort()).toEqual(['backend-local', 'cli', 'core', 'gallery']);
  });

  test('the published conformance suite passes the published local backend and an in-memory one', async () => {
    const result = await inProject('node', ['conformance.mjs']);
    const report = JSON.parse(result.stdout || '{}') as {
      passed: number;
      failed: { name: string; message: string }[];
    };
    expect(result.stderr).toBe('');
    expect(report.failed).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(28);
  });

  test('a strict consumer typechecks against the published declarations', async () => {
    const result = await inProject(process.execPath, [tsc, '-p', 'tsconfig.json']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Not a bound on speed: tsc over every published declaration took 62 s on a machine busy with
    // other builds, past the default 60 s.
  }, 300_000);

  test('the installed CLI catalogs real photos, and names the package an s3:// root needs', async () => {
    const photos = path.join(project, 'photos');
    await cp(path.join(REPO_ROOT, 'fixtures/real'), photos, { recursive: true });
    const env = { PHOTOLALA_CACHE_DIR: path.join(project, 'cache') };
    const bin = path.join(project, 'node_modules/.bin/photolala');
    const scan = await inProject(bin, ['scan', photos], env);
    expect(scan.stderr).toBe('');
    expect(scan.code).toBe(0);
    const list = await inProject(bin, ['list', '--json', photos], env);
    const paths = list.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { path: string }).path);
    expect(paths).toContain('Canon_40D.jpg');
    expect(paths).toContain('iphone_13_pro_max.HEIC');

    const s3 = await inProject(bin, ['scan', 's3://bucket/photos'], env);
    expect(s3.code).not.toBe(0);
    expect(s3.stderr).toContain('npm install @photolala/backend-s3');
    // A generous limit, not a bound on speed: scanning the real photos took over 60 s under load.
  }, 300_000);

  test("core's openRoot finds the backend the app installed, with no importModule of its own", async () => {
    const result = await inProject('node', ['open-root.mjs', path.join(REPO_ROOT, 'fixtures/real')]);
    expect(result.stderr).toBe('');
    const opened = JSON.parse(result.stdout) as { shard: string; files: string[] };
    expect(opened.shard).toBe('local');
    expect(opened.files).toContain('Canon_40D.jpg');
  });

  test('every entry loads with --conditions=source (nothing points at unshipped sources) and from require()', async () => {
    const entries = [
      '@photolala/core',
      '@photolala/core/backend',
      '@photolala/core/testing',
      '@photolala/core/internals',
      '@photolala/backend-local',
    ];
    const script = `for (const name of ${JSON.stringify(entries)}) await import(name); console.log('imported');`;
    const imported = await inProject('node', ['--conditions=source', '--input-type=module', '-e', script]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout.trim()).toBe('imported');
    // CommonJS: require(esm), on by default from Node 20.19 (the engines' floor).
    const required = await inProject('node', [
      '--input-type=commonjs',
      '-e',
      `const m = require('@photolala/core/backend'); console.log(typeof m.defineRootSource, typeof require('@photolala/core').openCatalog)`,
    ]);
    expect(required.stderr).toBe('');
    expect(required.stdout.trim()).toBe('function function');
  });

  test("a plug-in with its own copy of core has its errors recognised by the CLI's copy", async () => {
    // The plug-in resolves @photolala/core from its own node_modules: a second copy of the module.
    const plugin = path.join(project, 'plugin');
    await cp(
      path.join(project, 'node_modules/@photolala/core'),
      path.join(plugin, 'node_modules/@photolala/core'),
      {
        recursive: true,
      },
    );
    await copyFile(path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs'), path.join(plugin, 'index.mjs'));
    const photos = path.join(project, 'alias-photos');
    await cp(path.join(REPO_ROOT, 'fixtures/real'), photos, { recursive: true });
    const env = {
      PHOTOLALA_CACHE_DIR: path.join(project, 'alias-cache'),
      PHOTOLALA_BACKENDS: `alias=${path.join(plugin, 'index.mjs')}`,
    };
    const scan = await inProject(
      path.join(project, 'node_modules/.bin/photolala'),
      ['-v', 'scan', `alias://${photos}`],
      env,
    );
    expect(scan.code).toBe(0);
    // The read-only root has no pointer: the plug-in's NOT_FOUND must read as that, not as a failure.
    expect(scan.stderr).toContain('skipped root: no pointer file');
    expect(scan.stderr).not.toContain('unreadable');
  });
});
