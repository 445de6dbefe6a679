import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await tempDir('cli-root-arg-cache');
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args]);

test.each([
  ['webdav://alice:Secret@127.0.0.1:5080/photos/sub%2Fdir', 'Secret', /encoded separator/],
  ['smb://alice:pw@host/', 'pw', /no share name/],
  ['webdav://alice:Secret@127.0.0.1:99999/photos', 'Secret', /not a valid URL/],
  ['webdav://alice:pa/ss@127.0.0.1/photos', 'pa/ss', /not a valid URL/],
])(
  'an invalid root %s is a usage error (exit 2) whose message hides the password',
  async (root, password, why) => {
    const result = await cli('scan', root);
    expect(result.stderr).toMatch(why);
    expect(result.stderr).toMatch(/invalid root/);
    expect(result.stderr).not.toContain(password);
    expect(result.stdout).not.toContain(password);
    expect(result.code).toBe(2);
  },
);

test.each([
  ['s3://bucket/a/../x', '..'],
  ['s3://bucket/a/%2e%2e/x', '..'],
  ['smb://host/share/../x', '..'],
  ['smb://host/share/./x', '.'],
  ['webdav://host/photos/../x', '..'],
])('%s is refused, not resolved to another folder', async (root, segment) => {
  const result = await cli('list', root);
  expect(result.stderr).toContain(`invalid root "${root}": "${segment}" segment`);
  expect(result.code).toBe(2);
});
