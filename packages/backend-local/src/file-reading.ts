import { closeSync, type promises as fsp, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { notRegularFile, OPEN_FOR_READING, specialFileKind } from '@photolala/core/backend';
import { BACKEND } from './errors.js';

/** A camera photo arrives in one read; a large snapshot in steps of this size. */
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
/** Files up to this size are read synchronously (see fileChunks): a few milliseconds even from a slow mount. */
const SYNC_READ_BYTES = 1024 * 1024;
/** Reads past the size a file had when opened: nearly always empty, so small. */
const GROWTH_PROBE_BYTES = 64 * 1024;

/**
 * The first `bytes` bytes of the file at `file` (`path` names it in errors). Synchronous on purpose:
 * a head read on a local disk takes microseconds, while the promise version costs three thread-pool
 * round trips per file and is several times slower on 100k files.
 */
export function readHeadSync(file: string, path: string, bytes: number): Buffer {
  // Without blocking, and checked on the open file: a photo swapped for a FIFO since it was
  // listed would otherwise block this thread, beyond the reach of any signal handler.
  const fd = openSync(file, OPEN_FOR_READING);
  try {
    const kind = specialFileKind(fstatSync(fd));
    if (kind) throw notRegularFile(kind, BACKEND, path);
    const buffer = Buffer.allocUnsafe(bytes);
    const filled = fillSync(fd, buffer);
    return filled === bytes ? buffer : Buffer.from(buffer.subarray(0, filled));
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the file's first bytes into `buffer` until it is full or the file ends; returns how many.
 * One read normally; the loop is for the rare short read.
 */
function fillSync(fd: number, buffer: Buffer): number {
  let filled = 0;
  while (filled < buffer.length) {
    const read = readSync(fd, buffer, filled, buffer.length - filled, filled);
    if (read === 0) break;
    filled += read;
  }
  return filled;
}

/** The buffer a synchronous growth probe reads into: its bytes are copied out in the rare case there are any. */
const growthProbe = Buffer.allocUnsafeSlow(GROWTH_PROBE_BYTES);

/**
 * A file's bytes: the `size` it had when opened, in chunks of up to {@link MAX_CHUNK_BYTES}, then
 * anything written since, so that a reader can tell a file that grew. Node's read stream would
 * allocate one more chunk-sized buffer just to find the end, which for a folder of camera photos
 * doubled the memory allocated and the garbage collections that set off.
 */
async function* fileChunks(handle: fsp.FileHandle, size: number): AsyncGenerator<Buffer> {
  // A small file (a web-sized JPEG, a screenshot) is read with synchronous reads on the
  // calling thread: each asynchronous read waits for a slot in libuv's thread pool behind sharp's
  // decodes. Anything larger is read asynchronously, chunk by chunk: a root on a network mount or
  // a slow disk must never hold the event loop (progress, Ctrl-C, the gallery's events) for long.
  if (size <= SYNC_READ_BYTES) {
    yield* fileChunksSync(handle.fd, size);
    return;
  }
  let position = 0;
  while (position < size) {
    const chunk = Buffer.allocUnsafeSlow(Math.min(size - position, MAX_CHUNK_BYTES));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    // Shrunk since it was opened: the reader sees the bytes missing.
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
  }
  for (;;) {
    const more = Buffer.allocUnsafe(GROWTH_PROBE_BYTES);
    const { bytesRead } = await handle.read(more, 0, more.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield more.subarray(0, bytesRead);
  }
}

/** As fileChunks, for a file of at most SYNC_READ_BYTES, with synchronous reads. */
function* fileChunksSync(fd: number, size: number): Generator<Buffer> {
  const whole = Buffer.allocUnsafeSlow(size);
  // Fewer than `size` when it shrank since it was opened: the reader sees the bytes missing.
  const filled = fillSync(fd, whole);
  if (filled > 0) yield filled === size ? whole : whole.subarray(0, filled);
  if (filled < size) return;
  for (let position = size; ; ) {
    const read = readSync(fd, growthProbe, 0, GROWTH_PROBE_BYTES, position);
    if (read === 0) return;
    position += read;
    yield Buffer.from(growthProbe.subarray(0, read));
  }
}

/**
 * A readable stream of the open file of `size` bytes, which closes the file when it ends or is
 * destroyed.
 */
export function readableFile(handle: fsp.FileHandle, size: number): Readable {
  const stream = Readable.from(fileChunks(handle, size), { objectMode: false });
  // On 'close', not in the generator: a stream destroyed before its first read never runs it.
  stream.once('close', () => {
    handle.close().catch(() => {});
  });
  return stream;
}
