import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { streamFileCounting } from '../src/source/stream-prefix.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('streamFileCounting delivers the file and counts up to its size as it is consumed', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'photolala-counting-'));
  dirs.push(dir);
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  const file = path.join(dir, 'snapshot.bin');
  await writeFile(file, data);
  const told: number[] = [];
  const md5 = createHash('md5');
  for await (const chunk of streamFileCounting(file, (sent) => told.push(sent))) md5.update(chunk as Buffer);
  expect(md5.digest('hex')).toBe(createHash('md5').update(data).digest('hex'));
  expect(told.length).toBeGreaterThan(1);
  expect(told.every((sent, i) => i === 0 || sent > told[i - 1]!)).toBe(true);
  expect(told.at(-1)).toBe(data.length);
});

test('a file that cannot be read fails the stream its consumer reads', async () => {
  const missing = path.join(tmpdir(), 'photolala-counting-missing', 'nope.bin');
  const read = async () => {
    for await (const _ of streamFileCounting(missing, () => {})) {
      // nothing arrives
    }
  };
  await expect(read()).rejects.toMatchObject({ code: 'ENOENT' });
});
