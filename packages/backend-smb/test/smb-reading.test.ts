import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmbConnection } from '../src/smb-connection.js';
import { smbReads } from '../src/smb-reading.js';
import { SmbShare } from '../src/smb-share.js';
import { type RunningSamba, startSamba } from './samba.js';

// Nine whole READs of 64 KiB and a short tenth: the read-ahead's window, its order and its tail.
const BIG = randomBytes(9 * 0x10000 + 123);

describe('whole-file reads over smbd', () => {
  let dir: string;
  let server: RunningSamba;
  let connection: SmbConnection;
  const counts = { open: 0, close: 0, readsInFlight: 0, mostReadsInFlight: 0 };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'photolala-smb-reading-'));
    await writeFile(path.join(dir, 'big.bin'), BIG);
    server = await startSamba([{ name: 'photos', dir }]);
    connection = new SmbConnection({
      host: '127.0.0.1',
      port: server.port,
      share: 'photos',
      domain: 'WORKGROUP',
      username: server.username,
      password: server.password,
      maxInFlight: 8,
      timeoutMs: 30_000,
    });
    // Counts what reaches the real server, which answers every request.
    const request = connection.request.bind(connection);
    connection.request = async <T>(message: string, params: object): Promise<T> => {
      if (message === 'open') counts.open++;
      if (message === 'close') counts.close++;
      if (message !== 'read') return request<T>(message, params);
      counts.mostReadsInFlight = Math.max(counts.mostReadsInFlight, ++counts.readsInFlight);
      try {
        return await request<T>(message, params);
      } finally {
        counts.readsInFlight--;
      }
    };
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps several READs in flight and hands the bytes on in order', async () => {
    const { readAll } = smbReads(new SmbShare(connection, ''));
    const chunks: Buffer[] = [];
    for await (const chunk of await readAll('big.bin')) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(BIG)).toBe(true);
    // One READ at a time waited a round trip per 64 KiB.
    expect(counts.mostReadsInFlight).toBeGreaterThan(1);
    expect(counts.mostReadsInFlight).toBeLessThanOrEqual(8);
  });

  it('closes the file when the reader stops early, and reads it whole again after', async () => {
    const { readAll } = smbReads(new SmbShare(connection, ''));
    const stream = await readAll('big.bin');
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    expect(first.equals(BIG.subarray(0, first.length))).toBe(true);
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    const chunks: Buffer[] = [];
    for await (const chunk of await readAll('big.bin')) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(BIG)).toBe(true);
    // Every handle opened was closed, the one given up early included.
    await expect.poll(() => counts.close).toBe(counts.open);
  });
});
