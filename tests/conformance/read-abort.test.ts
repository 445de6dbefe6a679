import { rm } from 'node:fs/promises';
import net from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Source } from '@photolala/backend-s3';
import { createSmbSource } from '@photolala/backend-smb';
import { createWebdavSource } from '@photolala/backend-webdav';
import { isPhotolalaError, type RootSource } from '@photolala/core';
import { afterAll, describe, expect, test } from 'vitest';
import { startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { startSamba } from '../../packages/backend-smb/test/samba.js';
import { startWebdavServer } from '../../packages/backend-webdav/test/servers.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { startFaultProxy } from '../support/net-faults.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo();
});

/**
 * The issue's bound for stopping is 2 s; this one is generous because the machine is shared. The
 * backends' own request timeouts are set far above it, so only the signal can end these reads in time.
 */
const STOP_BOUND_MS = 10_000;
const TIMEOUT_MS = 60_000;
/** The photo no read of which stalls. */
const FAST = await syntheticJpeg(2);

/** Starts `read` against a server that never answers it, aborts it, and checks how it ends. */
async function expectAbandoned(read: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const controller = new AbortController();
  const reason = new Error('stopped by the user');
  const pending = read(controller.signal);
  // Long enough for the request to be on the wire and stalled.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const abortedAt = performance.now();
  controller.abort(reason);
  const outcome = await pending.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  expect(performance.now() - abortedAt).toBeLessThan(STOP_BOUND_MS);
  // The caller's reason, not a store failure: nothing is retried or reported as a broken file.
  expect(outcome).toBe(reason);
  expect(isPhotolalaError(outcome)).toBe(false);
}

/** Reads every byte of a stream: a whole read is only done when its stream is. */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream);
}

function readsOf(source: () => RootSource) {
  test('a stalled readHead ends at once with the signal’s reason', async () => {
    await expectAbandoned((signal) => source().readHead('slow.jpg', 4096, { signal }));
  });
  test('a stalled readAll ends at once with the signal’s reason', async () => {
    await expectAbandoned(async (signal) => drain(await source().readAll('slow.jpg', { signal })));
  });
  test('a read asked for after the abort is refused with the reason, and an unstalled one still works', async () => {
    const reason = new Error('already stopped');
    await expect(source().readAll('fast.jpg', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const head = await source().readHead('fast.jpg', 4, { signal: new AbortController().signal });
    expect(head).toEqual(FAST.subarray(0, 4));
  });
}

describe('WebDAV reads honour their signal', async () => {
  const share = await tempDir('abort-webdav');
  await writeTree(share, { 'slow.jpg': await syntheticJpeg(1, 160, 120), 'fast.jpg': FAST });
  const server = await startWebdavServer(share);
  const proxy = await startFaultProxy(server.url.replace('webdav://', 'http://'), [
    { match: 'GET /slow.jpg', action: 'stall', times: 1000 },
  ]);
  cleanup.push(
    () => rm(share, { recursive: true, force: true }),
    () => server.stop(),
    () => proxy.stop(),
  );
  const source = await createWebdavSource({ url: `webdav://127.0.0.1:${proxy.port}`, timeoutMs: TIMEOUT_MS });
  cleanup.push(async () => source.close?.());
  readsOf(() => source);
});

describe('S3 reads honour their signal', async () => {
  const s3 = await startS3Server(['abort-photos']);
  const client = s3.client({ requestTimeoutMs: TIMEOUT_MS });
  cleanup.push(
    () => s3.stop(),
    async () => client.destroy(),
  );
  for (const [name, body] of [
    ['slow.jpg', await syntheticJpeg(1, 160, 120)],
    ['fast.jpg', FAST],
  ] as const)
    await client.send(new PutObjectCommand({ Bucket: 'abort-photos', Key: `lib/${name}`, Body: body }));
  await s3.faults([{ match: 'GET /abort-photos/lib/slow.jpg', status: 'hang', times: 1000 }]);
  const source = await createS3Source({ bucket: 'abort-photos', prefix: 'lib', client });
  readsOf(() => source);
});

/**
 * A TCP relay that passes bytes both ways until `stalled` is set, then drops what the server sends:
 * a server that stops answering in the middle of a session (SMB has one connection for everything).
 */
async function stallingRelay(port: number) {
  const sockets = new Set<net.Socket>();
  const state = { stalled: false };
  const relay = net.createServer((client) => {
    const server = net.connect(port, '127.0.0.1');
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (bytes) => server.write(bytes));
    server.on('data', (bytes) => {
      if (!state.stalled) client.write(bytes);
    });
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      }),
  );
  return { port: (relay.address() as net.AddressInfo).port, state };
}

describe('SMB reads honour their signal', async () => {
  const dir = await tempDir('abort-smb');
  await writeTree(dir, { 'slow.jpg': await syntheticJpeg(1, 160, 120), 'fast.jpg': FAST });
  const samba = await startSamba([{ name: 'photos', dir }]);
  cleanup.push(
    () => rm(dir, { recursive: true, force: true }),
    () => samba.stop(),
  );
  const relay = await stallingRelay(samba.port);
  const source = await createSmbSource({
    host: '127.0.0.1',
    port: relay.port,
    share: 'photos',
    username: samba.username,
    password: samba.password,
    timeoutMs: TIMEOUT_MS,
  });
  cleanup.push(async () => source.close?.());
  // The SMB client cannot cancel a request: the read is abandoned, and its answer, should one come,
  // dropped. The server stops answering for the stalled reads only.
  test('a stalled readHead ends at once with the signal’s reason', async () => {
    relay.state.stalled = true;
    try {
      await expectAbandoned((signal) => source.readHead('slow.jpg', 4096, { signal }));
    } finally {
      relay.state.stalled = false;
    }
  });
  test('a stalled readAll ends at once with the signal’s reason', async () => {
    relay.state.stalled = true;
    try {
      await expectAbandoned(async (signal) => drain(await source.readAll('slow.jpg', { signal })));
    } finally {
      relay.state.stalled = false;
    }
  });
  test('a read asked for after the abort is refused with the reason', async () => {
    const reason = new Error('already stopped');
    await expect(source.readAll('fast.jpg', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(source.readHead('fast.jpg', 4, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
