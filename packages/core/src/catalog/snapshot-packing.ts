import { constants as bufferConstants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, constants, createBrotliCompress, createBrotliDecompress } from 'node:zlib';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { isPhotolalaError, PhotolalaError } from '../source/errors.js';

/**
 * How a root keeps its snapshots: this line, then the SQLite file compressed with Brotli. A snapshot
 * of 100k photos packs from about 92 MB to 16 MB, and a remote root uploads that on every save. The
 * catalog-md5 names the SQLite bytes, unpacked, so equal catalogs still get equal names whatever the
 * compressor's version writes, and the cache mirror keeps them unpacked, to be opened in place.
 * A file without this line is read as it is: snapshots written before packing (plain SQLite files,
 * which begin `SQLite format 3`) still load.
 */
export const PACKED_HEADER = Buffer.from('photolala snapshot, brotli\n', 'latin1');

/**
 * Brotli's quality 1: on the bench's 100k snapshot (92 MB) it packed to 16.3 MB in 0.9-1.7 s, against
 * gzip's 18.2 MB in 1.3 s (level 1) and 17.1 MB in 2.1 s (level 6); quality 2 to 4 saved under 1 MB
 * for twice the time and more. Unpacking took about as long at every setting.
 */
const QUALITY = 1;

const tooLarge = (what: string, maxBytes: number) =>
  new PhotolalaError('CORRUPT', `${what} is larger than ${maxBytes} bytes`, { backend: 'catalog' });

const doesNotUnpack = (what: string, error: unknown) =>
  new PhotolalaError('CORRUPT', `${what} does not unpack: ${(error as Error).message}`, {
    backend: 'catalog',
  });

/** Packs the SQLite file `file` into a temp file beside it; `dispose` removes the packed copy. */
export async function packSnapshotFile(
  file: string,
): Promise<{ file: string; size: number; dispose: () => Promise<void> }> {
  const packed = nodePath.join(
    nodePath.dirname(file),
    `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.packed`,
  );
  const dispose = () => fsp.rm(packed, { force: true });
  try {
    const { size } = await fsp.stat(file);
    const out = createWriteStream(packed);
    out.write(PACKED_HEADER);
    await pipeline(
      createReadStream(file, { highWaterMark: 1024 * 1024 }),
      createBrotliCompress({
        params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: size },
      }),
      out,
    );
    return { file: packed, size: (await fsp.stat(packed)).size, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

const isPacked = (head: Uint8Array) =>
  head.length >= PACKED_HEADER.length && PACKED_HEADER.equals(head.subarray(0, PACKED_HEADER.length));

/**
 * A stored snapshot's SQLite bytes, from the bytes read from its store: unpacked when they are packed,
 * as read when they are not. The bytes come from a root, so they are untrusted: at most `maxBytes` are
 * read, and at most `maxBytes` are unpacked from them (a small file must not unpack to a huge one).
 */
export async function* unpackedSnapshot(
  stream: AsyncIterable<Uint8Array>,
  maxBytes: number,
  what: string,
): AsyncGenerator<Buffer> {
  const input = stream[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  try {
    while (head.length < PACKED_HEADER.length) {
      const next = await input.next();
      if (next.done) break;
      head = Buffer.concat([head, Buffer.from(next.value)]);
    }
    let read = head.length;
    const rest = async function* () {
      for (let next = await input.next(); !next.done; next = await input.next()) {
        read += next.value.length;
        if (read > maxBytes) throw tooLarge(what, maxBytes);
        yield Buffer.from(next.value);
      }
    };
    if (!isPacked(head)) {
      if (head.length > 0) yield head;
      yield* rest();
      return;
    }
    const body = Readable.from(
      (async function* () {
        if (head.length > PACKED_HEADER.length) yield head.subarray(PACKED_HEADER.length);
        yield* rest();
      })(),
    );
    const unpack = createBrotliDecompress();
    const flowing = pipeline(body, unpack).catch(() => {});
    let unpacked = 0;
    try {
      const chunks = (async function* () {
        try {
          yield* unpack;
        } catch (error) {
          if (isPhotolalaError(error)) throw error;
          throw doesNotUnpack(what, error);
        }
      })();
      for await (const chunk of chunks) {
        unpacked += (chunk as Buffer).length;
        if (unpacked > maxBytes) throw tooLarge(what, maxBytes);
        yield chunk as Buffer;
      }
    } finally {
      unpack.destroy();
      body.destroy();
      await flowing;
    }
  } finally {
    await input.return?.();
  }
}

/** `unpackedSnapshot` for bytes already in memory. */
export function unpackSnapshotBytes(bytes: Buffer, maxBytes: number, what: string): Buffer {
  if (!isPacked(bytes)) return bytes;
  try {
    return brotliDecompressSync(bytes.subarray(PACKED_HEADER.length), {
      // Node refuses a limit above its largest buffer.
      maxOutputLength: Math.min(maxBytes, bufferConstants.MAX_LENGTH),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(what, maxBytes);
    throw doesNotUnpack(what, error);
  }
}
