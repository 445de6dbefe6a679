import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parsePointer } from '@photolala/core/internals';
import { afterAll, expect, test } from 'vitest';
import { startS3Server } from '../../packages/backend-s3/test/s3-server.js';
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

test('S3: a snapshot upload that fails twice is retried and lands; one that keeps failing exits 3', async () => {
  const { share, cacheDir } = await dirs();
  const s3 = await startS3Server(['net-photos']);
  const proxy = await startFaultProxy(s3.endpoint);
  const client = s3.client();
  const object = async (key: string) => {
    const answer = await client.send(new GetObjectCommand({ Bucket: 'net-photos', Key: `lib/${key}` }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  };
  const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
  const env = { ...s3.cliEnv(), AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${proxy.port}` };
  const root = 's3://net-photos/lib';
  try {
    for (const name of ['a.jpg', 'sub/b.jpg']) {
      const Body = await readFile(path.join(share, name));
      await client.send(new PutObjectCommand({ Bucket: 'net-photos', Key: `lib/${name}`, Body }));
    }
    const snapshotPut = /^PUT \/net-photos\/lib\/\.photolala\.[0-9a-f]{32}\.sqlite/;
    const flaky = { match: snapshotPut, action: 503, times: 2 };
    proxy.rules.push(flaky);
    const first = await cli(['--cache-dir', cacheDir, 'scan', root, '--json'], env);
    expect(proxy.caught(flaky)).toBe(2);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const scanned = JSON.parse(first.stdout);
    expect(parsePointer((await object('.photolala.md5')).toString('utf8'))).toEqual([scanned.catalogMd5]);
    // The bytes that landed are the whole snapshot, not a retry's remainder.
    expect(md5(await object(`.photolala.${scanned.catalogMd5}.sqlite`))).toBe(scanned.catalogMd5);

    await client.send(
      new PutObjectCommand({ Bucket: 'net-photos', Key: 'lib/c.jpg', Body: await syntheticJpeg(3) }),
    );
    const always = { match: snapshotPut, action: 503, times: 1000 };
    proxy.rules.push(always);
    const stale = await cli(['--cache-dir', cacheDir, 'scan', root, '--json'], {
      ...env,
      PHOTOLALA_TIMEOUT: '5',
    });
    expect(proxy.caught(always)).toBeGreaterThan(1);
    expect(stale.stderr).toMatch(/could not write the snapshot to the root: .*HTTP 503/);
    expect(JSON.parse(stale.stdout).publishFailed).toEqual(['root']);
    expect(stale.code).toBe(3);
    expect(parsePointer((await object('.photolala.md5')).toString('utf8'))).toEqual([scanned.catalogMd5]);
    expect(md5(await object(`.photolala.${scanned.catalogMd5}.sqlite`))).toBe(scanned.catalogMd5);
  } finally {
    client.destroy();
    await proxy.stop();
    await s3.stop();
  }
}, 120_000);
