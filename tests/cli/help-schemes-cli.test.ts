import { expect, test } from 'vitest';
import { runCli } from './run-cli.js';

// The backend trial: help listed only the first-party schemes, so a backend installed with
// PHOTOLALA_BACKENDS was nowhere in it. Help names the mapped schemes, without loading any backend.
const flat = (text: string) => text.replace(/\s+/g, ' ');

test('serve --help and scan --help name the schemes PHOTOLALA_BACKENDS and --backend map', async () => {
  // Modules that do not exist: help must not load them (that would fail) to name their schemes.
  const env = { PHOTOLALA_BACKENDS: 'Alias=./no-such-backend.mjs, =bad' };
  const serve = await runCli(['serve', '--help'], env);
  expect(serve.code).toBe(0);
  expect(flat(serve.stdout)).toContain(
    "catalogued roots: each a folder, file://, s3://, smb://, webdav(s):// URI or .photoslibrary; also alias:// (PHOTOLALA_BACKENDS, --backend) and other installed backends' schemes",
  );
  const scan = await runCli(['--backend', 'gphotos=./nope.mjs', 'scan', '--help'], env);
  expect(scan.code).toBe(0);
  expect(flat(scan.stdout)).toContain('also alias://, gphotos:// (PHOTOLALA_BACKENDS, --backend)');
});

test('without a mapping, help says other schemes come from installed backends', async () => {
  const help = await runCli(['--help'], { PHOTOLALA_BACKENDS: '' });
  expect(help.code).toBe(0);
  expect(flat(help.stdout)).toContain(
    'Roots: a folder, file://, s3://, smb://, webdav(s):// URI or .photoslibrary; other schemes come from installed backends (PHOTOLALA_BACKENDS, --backend).',
  );
  const serve = await runCli(['serve', '--help'], { PHOTOLALA_BACKENDS: '' });
  expect(flat(serve.stdout)).toContain('other schemes come from installed backends');
});
