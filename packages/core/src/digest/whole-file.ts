import { PhotolalaError } from '../source/errors.js';
import type { RootSource, SourceEntry } from '../source/root-source.js';
import type { DigestLimits } from './digest-types.js';
import { fastPhotoKey, HEAD_BYTES, md5OfStream } from './identity.js';

// A photo's bytes are read once, whole, and hashed on the way, with checks that they are the bytes
// the listing and the head read described.

/**
 * Streams a whole file through `sink`, hashing it, with the same checks as readWholeFile: the size
 * the listing gave, and the head read before (a file replaced between the two reads).
 */
export async function streamWholeFile(
  source: RootSource,
  entry: SourceEntry,
  expectedKey: string | undefined,
  sink: (bytes: Uint8Array) => void | Promise<void>,
): Promise<string> {
  const stream = await source.readAll(entry.path);
  const head = Buffer.allocUnsafe(Math.min(entry.size, HEAD_BYTES));
  let filled = 0;
  const md5 = await md5OfStream(stream, async (bytes) => {
    if (filled + bytes.length > entry.size) {
      throw new PhotolalaError('CORRUPT', 'file grew while it was read', {
        backend: 'digest',
        path: entry.path,
      });
    }
    if (filled < head.length) head.set(bytes.subarray(0, head.length - filled), filled);
    filled += bytes.length;
    await sink(bytes);
  });
  if (filled !== entry.size) {
    throw new PhotolalaError('IO', `file shrank while it was read (${filled} of ${entry.size} bytes)`, {
      backend: 'digest',
      path: entry.path,
    });
  }
  if (expectedKey !== undefined && fastPhotoKey(head, entry.size) !== expectedKey) {
    throw new PhotolalaError('IO', 'file changed while it was read: its head is not the one read before', {
      backend: 'digest',
      path: entry.path,
    });
  }
  return md5;
}

/**
 * Reads a whole file once into one buffer of the expected size, hashing as it streams. The buffer
 * is what the decoders need anyway; it is not copied again.
 */
export async function readWholeFile(
  source: RootSource,
  entry: SourceEntry,
  limits: DigestLimits,
  expectedKey?: string,
): Promise<{ data: Buffer; md5: string }> {
  if (entry.size > limits.maxFileBytes) {
    throw new PhotolalaError(
      'UNSUPPORTED',
      `file is ${entry.size} bytes, over the limit of ${limits.maxFileBytes}`,
      {
        backend: 'digest',
        path: entry.path,
      },
    );
  }
  const stream = await source.readAll(entry.path);
  // Allocated on the second chunk: a source that delivers the file in one chunk (the local backend
  // reads file-sized chunks) hands over its buffer, with no copy.
  let data: Buffer | undefined;
  let first: Buffer | undefined;
  let filled = 0;
  const md5 = await md5OfStream(stream, (bytes) => {
    if (filled + bytes.length > entry.size) {
      throw new PhotolalaError('CORRUPT', 'file grew while it was read', {
        backend: 'digest',
        path: entry.path,
      });
    }
    if (filled === 0 && Buffer.isBuffer(bytes)) first = bytes;
    else {
      if (!data) {
        data = Buffer.allocUnsafe(entry.size);
        if (first) data.set(first, 0);
        first = undefined;
      }
      data.set(bytes, filled);
    }
    filled += bytes.length;
  });
  // IO, not CORRUPT: a stream cut short by a flaky store shows the same, and the file must be read
  // again by the next scan even though its size and mtime did not change.
  if (filled !== entry.size) {
    throw new PhotolalaError('IO', `file shrank while it was read (${filled} of ${entry.size} bytes)`, {
      backend: 'digest',
      path: entry.path,
    });
  }
  const whole = data ?? first ?? Buffer.alloc(0);
  // The head read earlier must be this file's head: a file replaced between the two reads (one photo
  // moved over another of the same size) would pair one file's fast-photo-key with another's MD5.
  if (expectedKey !== undefined && fastPhotoKey(whole, entry.size) !== expectedKey) {
    throw new PhotolalaError('IO', 'file changed while it was read: its head is not the one read before', {
      backend: 'digest',
      path: entry.path,
    });
  }
  return { data: whole, md5 };
}
