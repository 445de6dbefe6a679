import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Source } from '@photolala/backend-s3';
import { createWebdavSource } from '@photolala/backend-webdav';
import { type Catalog, openCatalog } from '@photolala/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import {
  type RunningServer,
  startConditionalProxy,
  startRclone,
  startWebdavServer,
} from '../../packages/backend-webdav/test/servers.js';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir } from '../support/fs.js';

// Two cache folders stand for two machines: each has a mirror lock of its own, so nothing on this
// machine makes their publishes take turns; only the conditional write of the root's pointer does.
const BUCKET = 'machines';
const ROUNDS = 4;
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server([BUCKET]);
}, 30_000);
afterAll(async () => {
  await server?.stop();
});
const { cleanup, opened } = cleanupAfterEach();

const photos = Array.from({ length: 2 * ROUNDS }, (_, i) => `p${i}.jpg`);

async function open(prefix: string, cacheDir: string): Promise<Catalog> {
  const source = await createS3Source(server.sourceOptions(BUCKET, prefix));
  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  return catalog;
}

test(`two machines starring different photos of one S3 root at once keep both stars, ${ROUNDS} rounds`, async () => {
  const prefix = `run-${Date.now()}`;
  const client = server.client();
  for (const [i, name] of photos.entries()) {
    const Body = await syntheticJpeg(i + 1);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${name}`, Body }));
  }
  client.destroy();
  const [first, machineA, machineB, reader] = await Promise.all(
    ['first', 'machine-a', 'machine-b', 'reader'].map((name) => tempDir(name)),
  );
  cleanup.push(first!, machineA!, machineB!, reader!);
  const scanning = await open(prefix, first!);
  await scanning.scan();
  await scanning.close();

  const expected: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await open(prefix, machineA!);
    const b = await open(prefix, machineB!);
    const [starA, starB] = [photos[2 * round]!, photos[2 * round + 1]!];
    await a.star(starA);
    await b.star(starB);
    await Promise.all([a.close(), b.close()]);
    expected.push(starA, starB);
    const after = await open(prefix, reader!);
    expect(after.list({ starred: true }).map((e) => e.path)).toEqual(expected);
    // Queued in the order the two publishes landed, which is either.
    expect(
      after
        .starQueue()
        .map((r) => r.path)
        .sort(),
    ).toEqual(expected);
    await after.close();
  }
  // The root's pointer was refused to the later of the two at least once: the race was run.
  expect((await server.stats()).PRECONDITION_FAILED).toBeGreaterThan(0);
}, 120_000);

// Over WebDAV the machines are two processes. webdav-server and rclone write a PUT whatever its
// If-Match says, so each is put behind the test proxy that enforces it, as Apache mod_dav and
// Nextcloud do; the source finds that out before its first conditional write (the proxy's refusals
// of the pointer show that the race was run and the condition held).
const child = fileURLToPath(new URL('./two-machines-child.ts', import.meta.url));

/** Starts a machine; `next()` resolves at its next "ready" (or "done") line. */
function machine(url: string, cacheDir: string, auth: string, stars: string[]) {
  const proc: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', child, url, cacheDir, auth, ...stars],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  let buffered = '';
  proc.stdout!.on('data', (d) => {
    buffered += String(d);
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    next: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift()!)
        : Promise.race([
            new Promise<string>((resolve) => waiting.push(resolve)),
            exited.then((code) => {
              throw new Error(`a machine exited (${code}): ${stderr}`);
            }),
          ]),
    go: () => proc.stdin!.write('go\n'),
    exited,
    kill: () => proc.kill('SIGKILL'),
  };
}

const AUTH = { username: 'alice', password: 'wonderland' };
// In front of webdav-server, the proxy also reports a file's ETag weak for the second after it is
// written and refuses If-Match then, as Apache does: the pointer the other machine just wrote is
// in exactly that state when the race is on.
for (const [name, start, weakEtagsMs] of [
  ['webdav-server', (dir: string) => startWebdavServer(dir, AUTH), 1000],
  ['rclone', (dir: string) => startRclone(dir, AUTH), 0],
] as const) {
  test(`two processes starring different photos of one WebDAV root (${name}${weakEtagsMs ? ', weak ETags' : ''}) at once keep both stars, ${ROUNDS} rounds`, async () => {
    const [share, first, machineA, machineB, reader] = await Promise.all(
      ['share', 'first', 'machine-a', 'machine-b', 'reader'].map((dir) => tempDir(dir)),
    );
    cleanup.push(share!, first!, machineA!, machineB!, reader!);
    for (const [i, photo] of photos.entries())
      await writeFile(path.join(share!, photo), await syntheticJpeg(i + 1));
    const servers: RunningServer[] = [];
    const machines: ReturnType<typeof machine>[] = [];
    try {
      const server = await start(share!);
      servers.push(server);
      const proxy = await startConditionalProxy(server.url, { weakEtagsMs });
      servers.push(proxy);
      const openAt = async (cacheDir: string) => {
        const catalog = await openCatalog(await createWebdavSource({ url: proxy.url, ...AUTH }), {
          cacheDir,
        });
        opened.push(catalog);
        return catalog;
      };
      const scanning = await openAt(first!);
      await scanning.scan();
      await scanning.close();

      const auth = `${AUTH.username}:${AUTH.password}`;
      const a = machine(
        proxy.url,
        machineA!,
        auth,
        photos.filter((_, i) => i % 2 === 0),
      );
      const b = machine(
        proxy.url,
        machineB!,
        auth,
        photos.filter((_, i) => i % 2 === 1),
      );
      machines.push(a, b);
      for (let round = 0; round < ROUNDS; round++) {
        expect([await a.next(), await b.next()]).toEqual(['ready', 'ready']);
        a.go();
        b.go();
      }
      expect([await a.next(), await b.next()]).toEqual(['done', 'done']);
      expect([await a.exited, await b.exited]).toEqual([0, 0]);

      const after = await openAt(reader!);
      expect(
        after
          .list({ starred: true })
          .map((e) => e.path)
          .sort(),
      ).toEqual([...photos].sort());
      expect(
        after
          .starQueue()
          .map((r) => r.path)
          .sort(),
      ).toEqual([...photos].sort());
      // The pointer was refused to the later of the two at least once: the race was run.
      expect(proxy.refused().filter((p) => p === '/.photolala.md5').length).toBeGreaterThan(0);
    } finally {
      for (const m of machines) m.kill();
      for (const s of servers.reverse()) await s.stop();
    }
  }, 240_000);
}
