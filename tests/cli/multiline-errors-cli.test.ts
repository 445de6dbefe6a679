import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT, tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await tempDir('cli-multiline-cache');
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const env = (kind: string) => ({
  PHOTOLALA_BACKENDS: `failing=${path.join(REPO_ROOT, 'tests/plugins/failing-backend.mjs')}`,
  FAILING_BACKEND_ERROR: kind,
  PHOTOLALA_WEBDAV_PASSWORD: 'hunter2-secret',
});

test("a backend's error of several lines is shown whole, its later lines indented, the password hidden on each", async () => {
  const result = await runCli(['--cache-dir', cacheDir, 'list', 'failing://store/photos'], env('coded'));
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    [
      'error: cannot reach the store',
      '  the server said: 503 Service Unavailable',
      '  (sent as fail:***@store)',
      '',
    ].join('\n'),
  );
});

test('an uncoded error of several lines is shown whole too, without blank lines or a stack', async () => {
  const result = await runCli(['--cache-dir', cacheDir, 'scan', 'failing://store/photos'], env('plain'));
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    ['error: the store refused the session', '  because: quota exceeded', '  see the store console', ''].join(
      '\n',
    ),
  );
});

test('-v adds the stack trace after the message, still with the password hidden', async () => {
  const result = await runCli(
    ['--cache-dir', cacheDir, '-v', 'list', 'failing://store/photos'],
    env('coded'),
  );
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(
    /^error: cannot reach the store\n {2}the server said: 503 Service Unavailable\n/,
  );
  expect(result.stderr).toMatch(/\n {4}at .*failing-backend\.mjs/);
  expect(result.stderr).not.toContain('hunter2-secret');
});
