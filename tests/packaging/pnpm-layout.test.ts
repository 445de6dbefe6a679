import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/fs.js';
import { packWorkspace } from './pack.js';

// An app that is one package of a pnpm workspace with `hoist: false`: core is installed under
// node_modules/.pnpm, where neither its own folders nor the hidden hoisting lead to the backend the
// app depends on. core's openRoot must find that backend where the app installed it.

const run = promisify(execFile);
let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'photolala-pnpm-app-'));
  const packs = await packWorkspace(workspace, ['core', 'backend-local']);
  const app = path.join(workspace, 'app');
  await mkdir(app);
  await writeFile(path.join(workspace, 'package.json'), JSON.stringify({ name: 'ws', private: true }));
  await writeFile(path.join(workspace, 'pnpm-workspace.yaml'), 'packages:\n  - app\nhoist: false\n');
  const tarball = (name: string) => `file:${path.relative(app, packs[name] ?? name)}`;
  await writeFile(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'app',
      private: true,
      type: 'module',
      dependencies: {
        '@photolala/core': tarball('@photolala/core'),
        '@photolala/backend-local': tarball('@photolala/backend-local'),
      },
    }),
  );
  await cp(path.join(REPO_ROOT, 'tests/packaging/consumer/open-root.mjs'), path.join(app, 'open-root.mjs'));
  // Install scripts are skipped: opening a root needs neither better-sqlite3's native module nor a build.
  await run('pnpm', ['install', '--prefer-offline', '--ignore-scripts'], { cwd: workspace });
}, 600_000);

afterAll(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

test("core's openRoot, given no importModule, finds the backend a pnpm workspace app installed", async () => {
  const { stdout, stderr } = await run(
    process.execPath,
    ['open-root.mjs', path.join(REPO_ROOT, 'fixtures/real')],
    { cwd: path.join(workspace, 'app') },
  );
  expect(stderr).toBe('');
  const opened = JSON.parse(stdout) as { shard: string; files: string[] };
  expect(opened.shard).toBe('local');
  expect(opened.files).toContain('Canon_40D.jpg');
  expect(opened.files).toContain('iphone_13_pro_max.HEIC');
});
