import type { Readable } from 'node:stream';

/**
 * The first `bytes` bytes of a stream (fewer if it ends sooner); the stream is then destroyed, so a
 * server that ignores a Range request does not get to send the whole file. For backends' `readHead`.
 */
export async function readStreamPrefix(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.from(chunk as Uint8Array);
      chunks.push(buffer);
      total += buffer.length;
      if (total >= bytes) break;
    }
  } finally {
    stream.destroy();
  }
  const all = Buffer.concat(chunks);
  return all.length > bytes ? all.subarray(0, bytes) : all;
}
