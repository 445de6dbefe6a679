import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { md5OfStream } from '../digest/identity.js';
import { writeFileAtomic } from '../source/atomic-file.js';
import { fromSystemError, PhotolalaError, unlessMissing } from '../source/errors.js';
import { openRegularFile, readRegularFile } from '../source/regular-file.js';
import type { RootSource, WriteCondition } from '../source/root-source.js';
import { firstScreenFileName } from './first-screen-file.js';
import { MAX_POINTER_BYTES, POINTER_FILE, parsePointer, snapshotFileName } from './pointer.js';

/** Where a snapshot or pointer was found: in the root itself, or in the root's mirror in the cache. */
export type StoreName = 'root' | 'mirror';

/** Told the bytes of a snapshot read so far, and its size when the store can say. */
export type SnapshotBytesListener = (bytes: number, totalBytes: number | undefined) => void;

/** Where snapshots and a pointer live: the root itself, or the cache mirror of the root. */
export interface SnapshotStore {
  readonly name: StoreName;
  /** Human-readable location of a file in this store, for reports. */
  locate(fileName: string): string;
  /** Whether this store can be written at all (a read-only root cannot). */
  readonly writable: boolean;
  /** Pointer lines, newest first; `undefined` when there is no pointer. */
  readPointer(): Promise<string[] | undefined>;
  /**
   * The pointer as it is now, for a conditional `writePointer`: its ETag, or that there is none; taken
   * before the pointer is read, a change in between is caught too. `undefined` where the store cannot
   * write conditionally (the mirror, whose lock makes its writers take turns).
   */
  pointerVersion(): Promise<WriteCondition | undefined>;
  /** Rewrites the pointer; with `expected`, only while it is still so, else it throws `CONFLICT`. */
  writePointer(text: string, expected?: WriteCondition): Promise<void>;
  /** The snapshot's bytes, or `undefined` when it does not exist. */
  readSnapshot(catalogMd5: string, maxBytes: number): Promise<Buffer | undefined>;
  /**
   * Streams the snapshot's bytes into the local file `localFile` (or nowhere, only
   * to hash them), hashing them on the way, so a large snapshot is never held in memory; `undefined`
   * when it does not exist. `onBytes` hears the bytes read from the store, of the stored size.
   */
  copySnapshot(
    catalogMd5: string,
    localFile: string | undefined,
    maxBytes: number,
    onBytes?: SnapshotBytesListener,
  ): Promise<{ md5: string; size: number } | undefined>;
  /**
   * Copies a finished snapshot file in from `localFile`; `onBytes` hears how much of how many bytes
   * were written, where the store tells.
   */
  writeSnapshot(
    catalogMd5: string,
    localFile: string,
    onBytes?: (bytes: number, totalBytes: number) => void,
  ): Promise<void>;
  removeSnapshot(catalogMd5: string): Promise<void>;
  /**
   * The snapshot files present, named or not by the pointer, with their mtimes: when no pointer names
   * a good snapshot, the newest good file is adopted rather than the catalog rebuilt (its stars would
   * be lost). Names that are not exactly a snapshot's are left out.
   */
  listSnapshotFiles(): Promise<{ catalogMd5: string; mtimeMs: number }[]>;
  /**
   * What the copy's stat says about it (see VerifiedSnapshots): equal fingerprints mean an untouched
   * file. `undefined` when the copy is missing or the store cannot tell.
   */
  fingerprint(catalogMd5: string): Promise<string | undefined>;
}

/** The cache mirror: a local folder, so its snapshots can be opened in place. */
export interface MirrorStore extends SnapshotStore {
  readonly name: 'mirror';
  readonly dir: string;
  /** The local path of a snapshot in the mirror (which may not exist). */
  fileOf(catalogMd5: string): string;
}

/**
 * How long a changed copy goes without a fingerprint. Within the same clock tick as a change, a second
 * change would leave stat unchanged (git's "racy" index entries), so such a copy is always hashed.
 */
export const FINGERPRINT_SETTLE_MS = 2000;

function changedRecently(changedAtMs: number): boolean {
  return changedAtMs + FINGERPRINT_SETTLE_MS > Date.now();
}

async function readStream(stream: NodeJS.ReadableStream, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > maxBytes) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw new PhotolalaError('CORRUPT', `${what} is larger than ${maxBytes} bytes`, { backend: 'catalog' });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The MD5 and size of a stream of at most `maxBytes`, written on the way to the local file
 * `localFile` when one is given.
 */
async function streamToFile(
  stream: AsyncIterable<Uint8Array>,
  localFile: string | undefined,
  maxBytes: number,
  what: string,
  onBytes?: (bytes: number) => void,
): Promise<{ md5: string; size: number }> {
  let size = 0;
  const out = localFile === undefined ? undefined : await fsp.open(localFile, 'w');
  try {
    const md5 = await md5OfStream(stream, async (chunk) => {
      size += chunk.length;
      if (size > maxBytes)
        throw new PhotolalaError('CORRUPT', `${what} is larger than ${maxBytes} bytes`, {
          backend: 'catalog',
        });
      await out?.write(chunk);
      onBytes?.(size);
    });
    return { md5, size };
  } finally {
    await out?.close();
  }
}

/** A store's file operations; the pointer and snapshot naming on top of them is the same everywhere. */
interface StoreFiles {
  name: StoreName;
  writable: boolean;
  locate(file: string): string;
  read(file: string, maxBytes: number): Promise<Buffer | undefined>;
  /** A stream of the file, or `undefined` when it does not exist. */
  open(file: string): Promise<NodeJS.ReadableStream | undefined>;
  /** The file's size, when the store can tell without reading it. */
  size(file: string): Promise<number | undefined>;
  write(file: string, data: Uint8Array): Promise<void>;
  writeFrom(file: string, localFile: string, onBytes?: (bytes: number) => void): Promise<void>;
  remove(file: string): Promise<void>;
}

/** The chunks of `stream`, telling `onBytes` how many bytes have gone by. */
async function* counted(
  stream: AsyncIterable<Uint8Array>,
  onBytes: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    onBytes(bytes);
    yield chunk;
  }
}

/** A snapshot's exact file name; the group is its catalog-md5. */
export const SNAPSHOT_NAME = /^\.photolala\.([0-9a-f]{32})\.sqlite$/;

function storeOver(
  files: StoreFiles,
): Omit<SnapshotStore, 'fingerprint' | 'listSnapshotFiles' | 'pointerVersion'> {
  return {
    name: files.name,
    writable: files.writable,
    locate: files.locate,
    async readPointer() {
      const data = await files.read(POINTER_FILE, MAX_POINTER_BYTES);
      return data === undefined ? undefined : parsePointer(data.toString('utf8'));
    },
    writePointer: (text) => files.write(POINTER_FILE, Buffer.from(text, 'utf8')),
    async readSnapshot(md5, maxBytes) {
      const name = snapshotFileName(md5);
      return files.read(name, maxBytes);
    },
    async copySnapshot(md5, localFile, maxBytes, onBytes) {
      const name = snapshotFileName(md5);
      const stream = await files.open(name);
      if (!stream) return undefined;
      const stored = stream as NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
      let read: AsyncIterable<Uint8Array> = stored;
      if (onBytes) {
        // Only a reader that shows progress pays for asking the size (a request on a remote store).
        const total = await files.size(name).catch(() => undefined);
        onBytes(0, total);
        read = counted(stored, (bytes) => onBytes(bytes, total));
      }
      try {
        return await streamToFile(read, localFile, maxBytes, name);
      } finally {
        (stored as { destroy?: () => void }).destroy?.();
      }
    },
    async writeSnapshot(md5, localFile, onBytes) {
      const { size } = await fsp.stat(localFile);
      await files.writeFrom(snapshotFileName(md5), localFile, onBytes && ((bytes) => onBytes(bytes, size)));
    },
    removeSnapshot: (md5) => files.remove(snapshotFileName(md5)),
  };
}

/** The root's own snapshots and pointer, read and written through its `RootSource`. */
export function rootStore(source: RootSource): SnapshotStore {
  const read = (file: string, maxBytes: number): Promise<Buffer | undefined> =>
    unlessMissing(async () => readStream(await source.readAll(file), maxBytes, file));
  const write = async (file: string, data: Uint8Array) => {
    if (!source.writeAtomic)
      throw new PhotolalaError('READ_ONLY', 'the root is read-only', { backend: source.backend });
    await source.writeAtomic(file, data);
  };
  const open = (file: string) => unlessMissing(() => source.readAll(file));
  const writeFrom = async (file: string, localFile: string, onBytes?: (bytes: number) => void) => {
    // A backend that can stream from a file keeps a large snapshot out of memory.
    if (source.writeAtomicFromFile) await source.writeAtomicFromFile(file, localFile, onBytes);
    else {
      const data = await fsp.readFile(localFile);
      await write(file, data);
      onBytes?.(data.length);
    }
  };
  const fingerprint = async (md5: string) => {
    const info = await source.stat?.(snapshotFileName(md5));
    if (!info) return undefined;
    // An ETag names the content itself; an mtime only vouches once it is no longer recent.
    if (info.etag !== undefined) return `${info.size}:${info.etag}`;
    if (changedRecently(info.mtimeMs + source.capabilities.mtimeResolutionMs)) return undefined;
    return `${info.size}:${info.mtimeMs}`;
  };
  const listSnapshotFiles = async () => {
    const found: { catalogMd5: string; mtimeMs: number }[] = [];
    // The root folder only: snapshots never lie deeper, and no subfolder is listed.
    const filter = { directory: () => false, file: (name: string) => SNAPSHOT_NAME.test(name) };
    for await (const entry of source.enumerate({ filter })) {
      const md5 = SNAPSHOT_NAME.exec(entry.path)?.[1];
      if (md5) found.push({ catalogMd5: md5, mtimeMs: entry.mtimeMs });
    }
    return found;
  };
  const store = storeOver({
    name: 'root',
    writable: typeof source.writeAtomic === 'function',
    locate: (file) => `${source.uri}/${file}`,
    read,
    open,
    size: async (file) => (await source.stat?.(file))?.size,
    write,
    writeFrom,
    remove: async (file) => {
      await source.remove?.(file);
    },
  });
  const writeIfUnchanged = source.writeIfUnchanged?.bind(source);
  const conditional = writeIfUnchanged !== undefined && source.stat !== undefined;
  return {
    ...store,
    fingerprint,
    listSnapshotFiles,
    async pointerVersion() {
      if (!conditional) return undefined;
      const info = await source.stat!(POINTER_FILE);
      if (!info) return { ifNoneMatch: '*' };
      return info.etag === undefined ? undefined : { ifMatch: info.etag };
    },
    async writePointer(text, expected) {
      if (!conditional || expected === undefined) return store.writePointer(text);
      await writeIfUnchanged(POINTER_FILE, Buffer.from(text, 'utf8'), expected);
    },
  };
}

/** The cache mirror `{cache-root}/{root-md5}/`: a plain local folder. */
export function mirrorStore(dir: string): MirrorStore {
  const full = (file: string) => nodePath.join(dir, file);
  // A FIFO or device planted under a mirror file's name is refused, never read (see openRegularFile).
  const read = async (file: string, maxBytes: number): Promise<Buffer | undefined> => {
    try {
      return await readRegularFile(full(file), 'mirror', maxBytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fromSystemError(error, 'mirror', full(file), 'read');
    }
  };
  const write = async (file: string, data: Uint8Array | { copyOf: string }) => {
    try {
      await writeFileAtomic(full(file), data);
    } catch (error) {
      throw fromSystemError(error, 'mirror', full(file), 'write');
    }
  };
  return {
    ...storeOver({
      name: 'mirror',
      writable: true,
      locate: full,
      read,
      async open(file) {
        try {
          const { handle } = await openRegularFile(full(file), 'mirror');
          return handle.createReadStream({ highWaterMark: 1024 * 1024 });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw fromSystemError(error, 'mirror', full(file), 'read');
        }
      },
      size: async (file) => (await fsp.stat(full(file))).size,
      write,
      writeFrom: (file, localFile) => write(file, { copyOf: localFile }),
      remove: (file) => fsp.rm(full(file), { force: true }),
    }),
    name: 'mirror',
    dir,
    pointerVersion: async () => undefined,
    fileOf: (md5) => full(snapshotFileName(md5)),
    // A snapshot's first screen (see first-screen-file.ts) goes with it.
    async removeSnapshot(md5) {
      await fsp.rm(full(snapshotFileName(md5)), { force: true });
      await fsp.rm(full(firstScreenFileName(md5)), { force: true });
    },
    async fingerprint(md5) {
      // Inode and ctime too: a local rewrite in place keeps size and can keep a coarse mtime.
      const info = await fsp.stat(full(snapshotFileName(md5)), { bigint: true }).catch(() => undefined);
      if (!info?.isFile() || changedRecently(Math.max(Number(info.ctimeMs), Number(info.mtimeMs))))
        return undefined;
      return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    },
    async listSnapshotFiles() {
      const found: { catalogMd5: string; mtimeMs: number }[] = [];
      for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
        const md5 = SNAPSHOT_NAME.exec(name)?.[1];
        if (!md5) continue;
        const info = await fsp.stat(full(name)).catch(() => undefined);
        if (info?.isFile()) found.push({ catalogMd5: md5, mtimeMs: info.mtimeMs });
      }
      return found;
    },
  };
}
