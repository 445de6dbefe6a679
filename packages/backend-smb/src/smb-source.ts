import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import {
  defineRootSource,
  destroyOnAbort,
  type EnumerateOptions,
  PhotolalaError,
  parseRootUri,
  type ReadOptions,
  type RootSource,
  raceAbort,
  ServerSpellings,
  type SourceEntry,
  TEMP_FILE_PREFIX,
  unlessMissing,
  validateRelativePath,
  walkServerFolders,
} from '@photolala/core/backend';
import { z } from 'zod';
import { BACKEND, isConnectionFailure, toPhotolalaError } from './errors.js';
import { SmbConnection } from './smb-connection.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const SHARE_NAME = /^[^\\/:*?"<>|\u0000-\u001f]+$/;
/** Separators and control characters: a name the server sends with one of these is not used. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const BAD_NAME_CHARACTER = /[\\/\u0000-\u001f]/;

const smbSourceOptions = z.object({
  host: z
    .string()
    .min(1)
    .regex(/^[^\\/\s]+$/, 'a host name or address, without slashes'),
  port: z.number().int().min(1).max(65535).default(445),
  share: z.string().min(1).regex(SHARE_NAME, 'a share name, without slashes'),
  /** The root folder inside the share, `/`-separated; empty for the share itself. */
  path: z.string().default(''),
  domain: z.string().default('WORKGROUP'),
  username: z.string().min(1),
  password: z.string(),
  /** SMB2 requests in flight at once on the one connection. */
  maxInFlight: z.number().int().min(1).max(64).default(8),
  /** A request without an answer in this time fails and the connection is reopened. */
  timeoutMs: z.number().int().min(100).default(30_000),
  readOnly: z.boolean().default(false),
});

export type SmbSourceOptions = z.input<typeof smbSourceOptions>;

/** SMB2 FILE_ATTRIBUTE_* bits used here. */
const ATTRIBUTE = { hidden: 0x2, system: 0x4, directory: 0x10 } as const;
/** Bytes per SMB2 READ: the client does not negotiate larger reads (multi-credit requests). */
const READ_CHUNK = 0x10000;
/**
 * Bytes per SMB2 WRITE (the client's own limit: 64 KiB less the message header), and how many are in
 * flight at once when a local file is streamed to the share.
 */
const WRITE_CHUNK = 0x10000 - 0x71;
const WRITES_IN_FLIGHT = 8;
/** SMB2 CREATE disposition: create the file, failing if it exists. */
const FILE_CREATE = 2;
/** How long an open or rename that collides with another client's open or rename is retried. */
const BUSY_PATIENCE_MS = 5_000;
/** FILETIME (100 ns ticks since 1601) of the Unix epoch. */
const EPOCH_TICKS = 116_444_736_000_000_000n;

/** An entry of an SMB2 QUERY_DIRECTORY answer, as the client parses it. */
interface DirectoryEntry {
  Filename: string;
  FileAttributes: number;
  EndofFile: Buffer;
  LastWriteTime: Buffer;
}

/** An open file as the client returns it from CREATE. */
interface FileHandle {
  FileId: Buffer;
  EndofFile: Buffer;
  FileAttributes: Buffer;
  LastWriteTime: Buffer;
}

const uint64 = (buffer: Buffer) => Number(buffer.readBigUInt64LE(0));
const fileTimeMs = (buffer: Buffer) => Number(buffer.readBigUInt64LE(0) - EPOCH_TICKS) / 10_000;

/**
 * A `RootSource` over a folder in an SMB2/3 share, spoken to directly (no mount). One connection is
 * shared by all calls, with at most `maxInFlight` requests outstanding; when the server drops it,
 * the next call connects again and idempotent calls are retried once. Listing reads no file data;
 * heads are one READ of the first bytes; `writeAtomic` writes a temp name and renames it over the
 * target. Files and folders the server marks hidden or system are left out when a filter is given.
 */
export async function createSmbSource(options: SmbSourceOptions): Promise<RootSource> {
  const parsed = smbSourceOptions.parse(options);
  const rootPath = parsed.path.replace(/^\/+|\/+$/g, '');
  if (rootPath !== '') validateRelativePath(rootPath, BACKEND);
  const location = parseRootUri(
    `smb://${parsed.host}:${parsed.port}/${[parsed.share, ...(rootPath ? rootPath.split('/') : [])]
      .map(encodeURIComponent)
      .join('/')}`,
  );
  const uri = location.uri;
  const connection = new SmbConnection({
    host: parsed.host,
    port: parsed.port,
    share: parsed.share,
    domain: parsed.domain,
    username: parsed.username,
    password: parsed.password,
    maxInFlight: parsed.maxInFlight,
    timeoutMs: parsed.timeoutMs,
  });

  /** The SMB path (share-relative, `\\`-separated) of a path as the server spells it. */
  const onShare = (serverRel: string) =>
    [rootPath, serverRel]
      .filter((part) => part !== '')
      .join('/')
      .replaceAll('/', '\\');
  // Names as the server spells them, by NFC path: shares written from macOS hold NFD names.
  const spellings = new ServerSpellings(async (dir) =>
    (await listFolder(onShare(dir))).map((entry) => entry.Filename),
  );
  const toServer = async (rel: string) => onShare(await spellings.resolve(rel));

  /** Runs an idempotent operation, once more on a fresh connection if the old one was lost. */
  async function retrying<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      return run();
    }
  }

  /** Renames over a target, by lower-cased SMB path (shares are usually case-insensitive). */
  const renamesInProgress = new Map<string, Promise<void>>();

  /**
   * Opens a file or folder for reading. SHARING_VIOLATION means a writer is renaming over it right
   * now (SMB locks both names during a rename); that lasts milliseconds, so wait and try again.
   */
  async function open(serverPath: string): Promise<FileHandle> {
    await renamesInProgress.get(serverPath.toLowerCase());
    const deadline = Date.now() + BUSY_PATIENCE_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      try {
        return await connection.request<FileHandle>('open', { path: serverPath });
      } catch (error) {
        const busy = (error as { code?: string }).code === 'STATUS_SHARING_VIOLATION';
        if (!busy || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
  const closeHandle = (file: FileHandle) =>
    connection.request('close', file).catch(() => {
      // Closing fails only when the connection is gone, and that closes the handle too.
    });

  async function listFolder(serverPath: string): Promise<DirectoryEntry[]> {
    const folder = await open(serverPath);
    const entries: DirectoryEntry[] = [];
    try {
      for (;;) {
        try {
          entries.push(...(await connection.request<DirectoryEntry[]>('query_directory', folder)));
        } catch (error) {
          if ((error as { code?: string }).code === 'STATUS_NO_MORE_FILES') break;
          throw error;
        }
      }
    } finally {
      await closeHandle(folder);
    }
    return entries;
  }

  try {
    const root = await retrying(() => open(onShare('')));
    await closeHandle(root);
    if ((root.FileAttributes.readUInt32LE(0) & ATTRIBUTE.directory) === 0)
      throw new PhotolalaError('INVALID_ARGUMENT', `${uri} is not a folder`, { backend: BACKEND, path: uri });
  } catch (error) {
    await connection.close();
    throw toPhotolalaError(error, uri, 'open root');
  }

  function enumerate(options: EnumerateOptions = {}): AsyncGenerator<SourceEntry> {
    return walkServerFolders(
      {
        list: async (server) =>
          (await retrying(() => listFolder(onShare(server))))
            .filter(
              (entry) =>
                entry.Filename && !/^\.\.?$/.test(entry.Filename) && !BAD_NAME_CHARACTER.test(entry.Filename),
            )
            .map((entry) => ({
              name: entry.Filename,
              directory: (entry.FileAttributes & ATTRIBUTE.directory) !== 0,
              hidden: (entry.FileAttributes & (ATTRIBUTE.hidden | ATTRIBUTE.system)) !== 0,
              size: uint64(entry.EndofFile),
              mtimeMs: fileTimeMs(entry.LastWriteTime),
            })),
        listError: (error, folder) => toPhotolalaError(error, folder, 'list'),
        isFatal: isConnectionFailure,
        spellings,
      },
      options,
    );
  }

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

  // The SMB client cannot cancel a request: an aborted read stops being waited for at once (see
  // raceAbort), and its answer, when it comes, is dropped and its file handle closed.
  async function readHead(path: string, bytes: number, options: ReadOptions = {}): Promise<Buffer> {
    const rel = validateRelativePath(path, BACKEND);
    const { signal } = options;
    signal?.throwIfAborted();
    try {
      return await raceAbort(
        signal,
        retrying(async () => {
          const file = await openFile(rel);
          try {
            const size = uint64(file.EndofFile);
            return size === 0 || bytes <= 0 ? Buffer.alloc(0) : await readAt(file, 0, Math.min(bytes, size));
          } finally {
            await closeHandle(file);
          }
        }),
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toPhotolalaError(error, rel, 'read');
    }
  }

  async function openFile(rel: string): Promise<FileHandle> {
    const file = await open(await toServer(rel));
    if ((file.FileAttributes.readUInt32LE(0) & ATTRIBUTE.directory) !== 0) {
      await closeHandle(file);
      throw new PhotolalaError('INVALID_PATH', `${JSON.stringify(rel)} is a folder`, {
        backend: BACKEND,
        path: rel,
      });
    }
    return file;
  }

  async function readAll(path: string, options: ReadOptions = {}): Promise<Readable> {
    const rel = validateRelativePath(path, BACKEND);
    const { signal } = options;
    signal?.throwIfAborted();
    let file: FileHandle;
    try {
      file = await raceAbort(
        signal,
        retrying(() => openFile(rel)),
        (late) => void closeHandle(late),
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toPhotolalaError(error, rel, 'read');
    }
    // The size when opened: a file that grows meanwhile is read as it was, one that shrinks ends early.
    const size = uint64(file.EndofFile);
    let offset = 0;
    let closed = false;
    const release = async () => {
      if (closed) return;
      closed = true;
      await closeHandle(file);
    };
    const stream = new Readable({
      highWaterMark: READ_CHUNK * 4,
      read() {
        if (offset >= size) {
          void release().then(() => this.push(null));
          return;
        }
        readAt(file, offset, Math.min(READ_CHUNK, size - offset)).then(
          (chunk) => {
            if (chunk.length === 0) {
              void release().then(() => this.push(null));
              return;
            }
            offset += chunk.length;
            this.push(chunk);
          },
          (error: unknown) => this.destroy(toPhotolalaError(error, rel, 'read')),
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

  async function ensureFolder(serverDir: string): Promise<void> {
    if (serverDir === '') return;
    const parts = serverDir.split('\\');
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('\\');
      if (i <= (rootPath ? rootPath.split('/').length : 0)) continue;
      const exists = await connection.call<boolean>((client, cb) => client.exists(dir, cb));
      if (exists) continue;
      await connection
        .call<void>((client, cb) => client.mkdir(dir, cb))
        .catch((error: { code?: string }) => {
          if (error.code !== 'STATUS_OBJECT_NAME_COLLISION') throw error;
        });
    }
  }

  /**
   * SMB follows Windows here: a file cannot be renamed over while anyone has it open, even for
   * reading, and the server answers ACCESS_DENIED or SHARING_VIOLATION. Readers of pointers and
   * snapshots hold them for milliseconds, so the rename is tried again for a few seconds, and this
   * source opens no new handle on the target meanwhile (a busy reader here would starve it).
   */
  async function renameOver(temp: string, target: string): Promise<void> {
    const key = target.toLowerCase();
    const renaming = renameWhenClosed(temp, target);
    const gate = renaming.catch(() => {});
    renamesInProgress.set(key, gate);
    try {
      await renaming;
    } finally {
      if (renamesInProgress.get(key) === gate) renamesInProgress.delete(key);
    }
  }

  async function renameWhenClosed(temp: string, target: string): Promise<void> {
    const deadline = Date.now() + BUSY_PATIENCE_MS;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      try {
        await connection.call<void>((client, cb) => client.rename(temp, target, { replace: true }, cb));
        return;
      } catch (error) {
        const status = (error as { code?: string }).code;
        const busy = status === 'STATUS_ACCESS_DENIED' || status === 'STATUS_SHARING_VIOLATION';
        if (!busy || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Replaces `path` atomically: `fill` writes a fresh temp name in the target's folder (so the
   * rename stays within one folder), which is then renamed over the target; on failure the temp
   * name is removed.
   */
  async function replaceThroughTemp(path: string, fill: (temp: string) => Promise<void>): Promise<void> {
    const rel = validateRelativePath(path, BACKEND);
    const target = await toServer(rel);
    const slash = target.lastIndexOf('\\');
    const dir = slash < 0 ? '' : target.slice(0, slash);
    const temp = `${dir ? `${dir}\\` : ''}${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}`;
    try {
      await ensureFolder(dir);
      await fill(temp);
      await renameOver(temp, target);
    } catch (error) {
      await connection.call<void>((client, cb) => client.unlink(temp, cb)).catch(() => {});
      throw toPhotolalaError(error, rel, 'write');
    }
  }

  const writeAtomic = (path: string, data: Uint8Array): Promise<void> =>
    replaceThroughTemp(path, (temp) =>
      // 'wx': create the temp name, failing rather than overwriting should it exist.
      connection.call<void>((client, cb) => client.writeFile(temp, Buffer.from(data), { flag: 'wx' }, cb)),
    );

  /**
   * `writeAtomic` with the bytes streamed from a local file, 64 KiB WRITEs a few at a time, so a
   * catalog snapshot (about 88 MB for 100k photos) never sits in memory whole.
   */
  const writeAtomicFromFile = (
    path: string,
    localFile: string,
    onBytes?: (bytes: number) => void,
  ): Promise<void> =>
    replaceThroughTemp(path, async (temp) => {
      const file = await connection.request<FileHandle>('create', {
        path: temp,
        createDisposition: FILE_CREATE,
      });
      try {
        await streamInto(file, localFile, onBytes);
      } finally {
        await closeHandle(file);
      }
    });

  /** Copies a local file into an open remote file, keeping a few WRITEs in flight. */
  async function streamInto(file: FileHandle, localFile: string, onBytes?: (bytes: number) => void) {
    const local = await fsp.open(localFile, 'r');
    try {
      const writes = new Set<Promise<unknown>>();
      let written = 0;
      for (let offset = 0; ; ) {
        const chunk = Buffer.allocUnsafe(WRITE_CHUNK);
        const { bytesRead } = await local.read(chunk, 0, WRITE_CHUNK, offset);
        if (bytesRead === 0) break;
        const offsetBytes = Buffer.alloc(8);
        offsetBytes.writeBigUInt64LE(BigInt(offset));
        const write = connection.request('write', {
          FileId: file.FileId,
          Offset: offsetBytes,
          Buffer: chunk.subarray(0, bytesRead),
        });
        writes.add(write);
        void write
          .then(() => {
            written += bytesRead;
            onBytes?.(written);
          })
          .finally(() => writes.delete(write))
          .catch(() => {});
        offset += bytesRead;
        if (writes.size >= WRITES_IN_FLIGHT) await Promise.race(writes);
      }
      await Promise.all(writes);
    } finally {
      await local.close();
    }
  }

  async function remove(path: string): Promise<void> {
    const rel = validateRelativePath(path, BACKEND);
    await unlessMissing(
      async () => {
        const target = await toServer(rel);
        await connection.call<void>((client, cb) => client.unlink(target, cb));
      },
      (error) => toPhotolalaError(error, rel, 'remove'),
    );
  }

  async function stat(path: string): Promise<SourceEntry | undefined> {
    const rel = validateRelativePath(path, BACKEND);
    const file = await unlessMissing(
      async () => {
        const opened = await retrying(async () => open(await toServer(rel)));
        await closeHandle(opened);
        return opened;
      },
      (error) => toPhotolalaError(error, rel, 'stat'),
    );
    if (!file || (file.FileAttributes.readUInt32LE(0) & ATTRIBUTE.directory) !== 0) return undefined;
    return { path: rel, size: uint64(file.EndofFile), mtimeMs: fileTimeMs(file.LastWriteTime) };
  }

  return defineRootSource(
    {
      backend: BACKEND,
      uri,
      // SMB2 carries 100 ns timestamps; what the server's file system keeps decides the rest.
      capabilities: { etags: false, mtimeResolutionMs: 1, remote: true },
      enumerate,
      readHead,
      readAll,
      stat,
      close: () => connection.close(),
    },
    parsed.readOnly ? undefined : { writeAtomic, writeAtomicFromFile, remove },
  );
}
