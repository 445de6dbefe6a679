import { Readable } from 'node:stream';
import { destroyOnAbort, PhotolalaError, type ReadOptions, raceAbort } from '@photolala/core/backend';
import { BACKEND, smbErrors } from './errors.js';
import { type FileHandle, isFolder, type SmbShare, uint64 } from './smb-share.js';

/** Bytes per SMB2 READ: the client does not negotiate larger reads (multi-credit requests). */
const READ_CHUNK = 0x10000;

/**
 * READs a whole-file read keeps in flight: sent one after another, each waits a round trip, so a
 * snapshot of 60 MB (900 READs) took three times as long to open as over S3 or WebDAV. The
 * connection's own bound (`maxInFlight`) still holds across all reads.
 */
const READ_AHEAD = 8;

/**
 * `readHead` and `readAll` of a share. The SMB client cannot cancel a request: an aborted read stops
 * being waited for at once (see raceAbort), and its answer, when it comes, is dropped and its file
 * handle closed.
 */
export function smbReads(share: SmbShare) {
  const { connection } = share;

  /** Reads up to `length` bytes at `offset` of an open file, one READ per 64 KiB. */
  async function readAt(file: FileHandle, offset: number, length: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let done = 0;
    while (done < length) {
      const want = Math.min(READ_CHUNK, length - done);
      const offsetBytes = Buffer.alloc(8);
      offsetBytes.writeBigUInt64LE(BigInt(offset + done));
      const chunk = await connection.request<Buffer>('read', {
        FileId: file.FileId,
        Length: want,
        Offset: offsetBytes,
      });
      if (chunk.length === 0) break;
      chunks.push(chunk);
      done += chunk.length;
    }
    return Buffer.concat(chunks);
  }

  async function openFile(rel: string): Promise<FileHandle> {
    const file = await share.open(await share.toServer(rel));
    if (isFolder(file)) {
      await share.closeHandle(file);
      throw new PhotolalaError('INVALID_PATH', `${JSON.stringify(rel)} is a folder`, {
        backend: BACKEND,
        path: rel,
      });
    }
    return file;
  }

  async function readHead(rel: string, bytes: number, options: ReadOptions = {}): Promise<Buffer> {
    const { signal } = options;
    signal?.throwIfAborted();
    return raceAbort(
      signal,
      share.retrying(async () => {
        const file = await openFile(rel);
        try {
          const size = uint64(file.EndofFile);
          return size === 0 || bytes <= 0 ? Buffer.alloc(0) : await readAt(file, 0, Math.min(bytes, size));
        } finally {
          await share.closeHandle(file);
        }
      }),
    );
  }

  async function readAll(rel: string, options: ReadOptions = {}): Promise<Readable> {
    const { signal } = options;
    signal?.throwIfAborted();
    const file = await raceAbort(
      signal,
      share.retrying(() => openFile(rel)),
      (late) => void share.closeHandle(late),
    );
    // The size when opened: a file that grows meanwhile is read as it was, one that shrinks ends early.
    const size = uint64(file.EndofFile);
    // The READs sent and not yet handed on, in order of offset, and the offset after the last sent.
    const ahead: Promise<Buffer>[] = [];
    let sent = 0;
    let ended = false;
    let closed = false;
    const release = async () => {
      if (closed) return;
      closed = true;
      await share.closeHandle(file);
    };
    const sendAhead = () => {
      while (!ended && ahead.length < READ_AHEAD && sent < size) {
        const length = Math.min(READ_CHUNK, size - sent);
        const read = readAt(file, sent, length);
        // Its failure is reported when its turn comes; until then it must not count as unhandled.
        read.catch(() => {});
        ahead.push(read);
        sent += length;
      }
    };
    const stream = new Readable({
      highWaterMark: READ_CHUNK * READ_AHEAD,
      read() {
        sendAhead();
        const next = ahead.shift();
        if (next === undefined) {
          void release().then(() => this.push(null));
          return;
        }
        next.then(
          (chunk) => {
            if (chunk.length === 0) {
              ended = true;
              void release().then(() => this.push(null));
              return;
            }
            this.push(chunk);
          },
          (error: unknown) => {
            ended = true;
            this.destroy(smbErrors.wrap(error, rel, 'read'));
          },
        );
      },
      destroy(error, callback) {
        // Aborted, the reader is told at once; the close goes on without it (a stalled server
        // would otherwise hold the reader until the request timeout).
        if (signal?.aborted) {
          void release().catch(() => {});
          callback(error);
          return;
        }
        release().then(
          () => callback(error),
          () => callback(error),
        );
      },
    });
    return destroyOnAbort(stream, signal);
  }

  return { readHead, readAll };
}
