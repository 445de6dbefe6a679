import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { readableFile } from '../src/file-reading.js';

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function fileOf(data: Buffer): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'photolala-file-reading-'));
  folders.push(folder);
  const file = path.join(folder, 'photo.jpg');
  await writeFile(file, data);
  return file;
}

/** Opens `file`, lets `meanwhile` change it, then reads the stream made at opening: its chunks. */
async function chunksOf(file: string, meanwhile?: () => Promise<void>): Promise<Buffer[]> {
  const handle = await open(file, 'r');
  const stream = readableFile(handle, (await handle.stat()).size);
  await meanwhile?.();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return chunks;
}

// Files up to 1 MiB are read with synchronous reads, larger ones asynchronously: both
// deliver the bytes as they are when read, so a reader can tell a file that changed.
describe('readableFile', () => {
  test('a photo-sized file arrives whole, in one chunk', async () => {
    for (const size of [300_000, 5 * 1024 * 1024]) {
      const data = randomBytes(size);
      const chunks = await chunksOf(await fileOf(data));
      expect(chunks).toHaveLength(1);
      expect(chunks[0]!.equals(data)).toBe(true);
    }
  });

  test('bytes written after opening follow the size it had, for small and large files', async () => {
    for (const size of [5_000, 3 * 1024 * 1024, 9 * 1024 * 1024]) {
      const data = randomBytes(size);
      const more = randomBytes(70_000);
      const file = await fileOf(data);
      const chunks = await chunksOf(file, () => writeFile(file, more, { flag: 'a' }));
      const whole = Buffer.concat(chunks);
      expect(whole.length).toBe(size + more.length);
      expect(whole.equals(Buffer.concat([data, more]))).toBe(true);
    }
  });

  test('a file cut short after opening delivers only the bytes still there', async () => {
    for (const size of [5_000, 3 * 1024 * 1024, 9 * 1024 * 1024]) {
      const data = randomBytes(size);
      const file = await fileOf(data);
      const chunks = await chunksOf(file, () => truncate(file, 1_000));
      expect(Buffer.concat(chunks).equals(data.subarray(0, 1_000))).toBe(true);
    }
  });

  test('an empty file delivers nothing', async () => {
    expect(await chunksOf(await fileOf(Buffer.alloc(0)))).toEqual([]);
  });
});
