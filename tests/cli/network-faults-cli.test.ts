import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parsePointer } from '@photolala/core';
import { afterAll, expect, test } from 'vitest';
import { startWebdavServer } from '../../packages/backend-webdav/test/servers.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { startFaultProxy, startSilentServer } from '../support/net-faults.js';
import { type CliResult, startCli } from './run-cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function dirs() {
  const share = await tempDir('net-share');
  const cacheDir = await tempDir('net-cache');
  cleanup.push(share, cacheDir);
  await writeTree(share, { 'a.jpg': await syntheticJpeg(1), 'sub/b.jpg': await syntheticJpeg(2) });
  return { share, cacheDir };
}

/** Runs the CLI, killing it after a generous deadline so that a hang fails the test instead of CI. */
async function cli(args: string[], env: Record<string, string>, deadlineMs = 60_000): Promise<CliResult> {
  const run = startCli(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), deadlineMs);
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
  }
}

test('a WebDAV server that accepts and never answers fails the command with a timeout naming it', async () => {
  const { cacheDir } = await dirs();
  const silent = await startSilentServer();
  try {
    const result = await cli(['--cache-dir', cacheDir, 'list', `webdav://127.0.0.1:${silent.port}/photos`], {
      PHOTOLALA_TIMEOUT: '0.3',
    });
    expect(result.stderr).toContain(`no answer from 127.0.0.1:${silent.port} in 300 ms (timed out)`);
    expect(result.code).toBe(1);
  } finally {
    await silent.stop();
  }
}, 90_000);

test('WebDAV: a snapshot upload that fails twice is retried and lands; one that keeps failing exits 3', async () => {
  const { share, cacheDir } = await dirs();
  const server = await startWebdavServer(share);
  const proxy = await startFaultProxy(server.url.replace('webdav://', 'http://'));
  const root = `webdav://127.0.0.1:${proxy.port}`;
  try {
    const flaky = { match: 'PUT /.photolala-tmp-', action: 503, times: 2 };
    proxy.rules.push(flaky);
    const first = await cli(['--cache-dir', cacheDir, 'scan', root, '--json'], {});
    expect(proxy.caught(flaky)).toBe(2);
    expect(first.code).toBe(0);
    const scanned = JSON.parse(first.stdout);
    expect(parsePointer(await readFile(path.join(share, '.photolala.md5'), 'utf8'))).toEqual([
      scanned.catalogMd5,
    ]);

    await writeTree(share, { 'c.jpg': await syntheticJpeg(3) });
    proxy.rules.push({ match: 'PUT /.photolala-tmp-', action: 503, times: 1000 });
    const stale = await cli(['--cache-dir', cacheDir, 'scan', root, '--json'], { PHOTOLALA_TIMEOUT: '5' });
    expect(stale.stderr).toMatch(/could not write the snapshot to the root: .*HTTP 503/);
    expect(JSON.parse(stale.stdout).publishFailed).toEqual(['root']);
    expect(stale.code).toBe(3);
    expect(parsePointer(await readFile(path.join(share, '.photolala.md5'), 'utf8'))).toEqual([
      scanned.catalogMd5,
    ]);
  } finally {
    await proxy.stop();
    await server.stop();
  }
}, 120_000);
