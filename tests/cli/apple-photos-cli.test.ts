import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { md5Hex } from '@photolala/core/internals';
import sharp from 'sharp';
import { afterAll, expect, test } from 'vitest';
import { buildLibrary } from '../../packages/backend-apple-photos/test/library-builder.js';
import { FIXTURES, tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the CLI scans and lists a .photoslibrary bundle by its path, videos with their posters', async () => {
  const parent = await tempDir('cli-apple');
  const cacheDir = await tempDir('cli-apple-cache');
  const work = await tempDir('cli-apple-movie');
  cleanup.push(parent, cacheDir, work);
  const uuid = 'ABCDEF01-2345-4678-89AB-CDEF01234567';
  const videoUuid = '12345678-1234-4234-8234-123456789012';
  // A real QuickTime movie, wider than tall, as Photos keeps a video's original.
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=480x270:d=2:r=10'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', path.join(work, 'clip.mov')],
  ]);
  const movie = await readFile(path.join(work, 'clip.mov'));
  const { bundle } = buildLibrary(parent, 8, [
    {
      uuid,
      directory: 'A',
      ext: 'jpeg',
      file: readFileSync(path.join(FIXTURES, 'DSCN0012.jpg')),
      favorite: true,
    },
    {
      uuid: videoUuid,
      directory: '1',
      ext: 'mov',
      file: movie,
      kind: 1,
      uti: 'com.apple.quicktime-movie',
    },
  ]);
  const scan = await runCli(['--cache-dir', cacheDir, 'scan', bundle, '--json']);
  expect(scan.code).toBe(0);
  const result = JSON.parse(scan.stdout);
  expect(result).toMatchObject({ entries: 2, added: 2, failed: [], skipped: [] });
  expect(result.root).toMatch(/^file:\/\/.*\.photoslibrary$/);
  const list = await runCli(['--cache-dir', cacheDir, 'list', bundle, '--json']);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(rows).toEqual([
    expect.objectContaining({
      path: `originals/1/${videoUuid}.mov`,
      kind: 'video',
      photoMd5: md5Hex(movie),
      externalId: videoUuid,
    }),
    expect.objectContaining({ path: `originals/A/${uuid}.jpeg`, starred: true, externalId: uuid }),
  ]);
  const thumb = await runCli(['--cache-dir', cacheDir, 'thumbnail', bundle, uuid]);
  expect(thumb.stdout.trim()).toBe(path.join(cacheDir, 'apple', 'thumbnails', `${uuid}.jpg`));
  const poster = await runCli(['--cache-dir', cacheDir, 'thumbnail', bundle, videoUuid]);
  expect(poster.code).toBe(0);
  expect(poster.stdout.trim()).toBe(path.join(cacheDir, 'apple', 'thumbnails', `${videoUuid}.jpg`));
  const { format, width, height } = await sharp(poster.stdout.trim()).metadata();
  expect(format).toBe('jpeg');
  expect(Math.max(width!, height!)).toBe(256);
});
