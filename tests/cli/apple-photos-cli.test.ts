import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { buildLibrary } from '../../packages/backend-apple-photos/test/library-builder.js';
import { FIXTURES, tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the CLI scans and lists a .photoslibrary bundle by its path', async () => {
  const parent = await tempDir('cli-apple');
  const cacheDir = await tempDir('cli-apple-cache');
  cleanup.push(parent, cacheDir);
  const uuid = 'ABCDEF01-2345-4678-89AB-CDEF01234567';
  const { bundle } = buildLibrary(parent, 8, [
    {
      uuid,
      directory: 'A',
      ext: 'jpeg',
      file: readFileSync(path.join(FIXTURES, 'DSCN0012.jpg')),
      favorite: true,
    },
    {
      uuid: '12345678-1234-4234-8234-123456789012',
      directory: '1',
      ext: 'mov',
      file: Buffer.from('movie'),
      kind: 1,
    },
  ]);
  const scan = await runCli(['--cache-dir', cacheDir, 'scan', bundle, '--json']);
  expect(scan.code).toBe(0);
  const result = JSON.parse(scan.stdout);
  expect(result).toMatchObject({ entries: 1, added: 1, failed: [] });
  expect(result.root).toMatch(/^file:\/\/.*\.photoslibrary$/);
  expect(result.skipped).toEqual([
    {
      path: 'originals/1/12345678-1234-4234-8234-123456789012.mov',
      reason: expect.stringContaining('video'),
    },
  ]);
  const list = await runCli(['--cache-dir', cacheDir, 'list', bundle, '--json']);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(rows).toEqual([
    expect.objectContaining({ path: `originals/A/${uuid}.jpeg`, starred: true, externalId: uuid }),
  ]);
  const thumb = await runCli(['--cache-dir', cacheDir, 'thumbnail', bundle, uuid]);
  expect(thumb.stdout.trim()).toBe(path.join(cacheDir, 'apple', 'thumbnails', `${uuid}.jpg`));
});
