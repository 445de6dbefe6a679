import { execFileSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

/** Whether a process is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('an ffmpeg that never finishes is killed at the per-video timeout: the video fails with that reason, and the scan goes on', async () => {
  const root = await tempDir('video-timeout-root');
  const tools = await tempDir('video-timeout-tools');
  const cacheDir = await tempDir('video-timeout-cache');
  cleanup.push(root, tools, cacheDir);
  const mp4 = path.join(tools, 'clip.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=320x240:d=1:r=10'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', mp4],
  ]);
  const video = await readFile(mp4);
  await writeTree(root, { 'clip.mp4': video, 'a.jpg': await syntheticJpeg(1) });
  // Stand-ins for ffmpeg and ffprobe (looked for beside it) that hang, as on a hostile file or a dead
  // network mount; each notes its pid, so that the test can see it was killed. With the real ffprobe
  // the 1 s would sometimes run out in it and sometimes in ffmpeg, on a loaded machine: both hang.
  const hung = path.join(tools, 'ffmpeg');
  const pidFile = path.join(tools, 'pids');
  for (const tool of ['ffmpeg', 'ffprobe']) {
    // The sleep is a child of the script, as a wrapper's real work would be: it keeps the pipes open
    // after the script is killed.
    await writeFile(path.join(tools, tool), `#!/bin/sh\necho $$ >> '${pidFile}'\nsleep 600 &\nwait\n`);
    await chmod(path.join(tools, tool), 0o755);
  }
  const saved = { ffmpeg: process.env.PHOTOLALA_FFMPEG, ffprobe: process.env.PHOTOLALA_FFPROBE };
  process.env.PHOTOLALA_FFMPEG = hung;
  delete process.env.PHOTOLALA_FFPROBE;
  try {
    const catalog = await openCatalog(await createLocalSource({ root }), {
      cacheDir,
      limits: { videoTimeoutMs: 1000 },
    });
    opened.push(catalog);
    const started = Date.now();
    const result = await catalog.scan();
    // The bound the timeout promises, with generous room for a loaded machine: 1 s per video, and
    // the stand-in would sleep for 600 s.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.failed).toEqual([
      {
        path: 'clip.mp4',
        reason: expect.stringMatching(
          /^UNAVAILABLE: ffprobe did not finish within the time limit of 1 s per video$/,
        ),
      },
    ]);
    expect(catalog.get('clip.mp4')).toMatchObject({ kind: 'video', status: 'failed' });
    expect(catalog.get('a.jpg')).toMatchObject({ kind: 'jpeg', status: 'ok' });
    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.filter(alive)).toEqual([]);
    // A rescan tries the failed video again (and fails it again the same way), the photo untouched.
    const again = await catalog.scan();
    expect(again.failed.map((f) => f.path)).toEqual(['clip.mp4']);
    expect(catalog.get('a.jpg')).toMatchObject({ status: 'ok', photoMd5: md5Hex(await syntheticJpeg(1)) });
  } finally {
    for (const [name, value] of [
      ['PHOTOLALA_FFMPEG', saved.ffmpeg],
      ['PHOTOLALA_FFPROBE', saved.ffprobe],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}, 60_000);
