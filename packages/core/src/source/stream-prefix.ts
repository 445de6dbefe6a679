import { createReadStream } from 'node:fs';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A stream of a local file that tells `onBytes` how much of it has been consumed so far: for a
 * backend's `writeAtomicFromFile`, whose upload reads it as fast as the connection takes it. Errors
 * reading the file reach the stream's consumer.
 */
export function streamFileCounting(localFile: string, onBytes?: (bytes: number) => void): Readable {
  const file = createReadStream(localFile);
  if (!onBytes) return file;
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onBytes(sent);
      done(null, chunk);
    },
  });
  // pipeline destroys the counter with the file's error; the catch only keeps it from going unhandled.
  pipeline(file, counter).catch(() => {});
  return counter;
}

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
