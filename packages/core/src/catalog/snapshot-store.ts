import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { fromSystemError, isPhotolalaError, PhotolalaError } from '../errors.js';
import type { RootSource } from '../root-source.js';
import { MAX_POINTER_BYTES, POINTER_FILE, parsePointer, snapshotFileName } from './pointer.js';

export type StoreName = 'root' | 'mirror';

/** Where snapshots and a pointer live: the root itself, or the cache mirror of the root. */
export interface SnapshotStore {
  readonly name: StoreName;
  /** Human-readable location of a file in this store, for reports. */
  locate(fileName: string): string;
  /** Whether this store can be written at all (a read-only root cannot). */
  readonly writable: boolean;
  /** Pointer lines, newest first; `undefined` when there is no pointer. */
  readPointer(): Promise<string[] | undefined>;
  writePointer(text: string): Promise<void>;
  /** The snapshot's bytes, or `undefined` when it does not exist. */
  readSnapshot(catalogMd5: string, maxBytes: number): Promise<Buffer | undefined>;
  writeSnapshot(catalogMd5: string, data: Uint8Array): Promise<void>;
  removeSnapshot(catalogMd5: string): Promise<void>;
  /** Whether any snapshot file is present, pointer or not (tells a lost pointer from a first visit). */
  hasSnapshotFiles?(): Promise<boolean>;
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

/** A store's file operations; the pointer and snapshot naming on top of them is the same everywhere. */
interface StoreFiles {
  name: StoreName;
  writable: boolean;
  locate(file: string): string;
  read(file: string, maxBytes: number): Promise<Buffer | undefined>;
  write(file: string, data: Uint8Array): Promise<void>;
  remove(file: string): Promise<void>;
}

function storeOver(files: StoreFiles): SnapshotStore {
  return {
    name: files.name,
    writable: files.writable,
    locate: files.locate,
    async readPointer() {
      const data = await files.read(POINTER_FILE, MAX_POINTER_BYTES);
      return data === undefined ? undefined : parsePointer(data.toString('utf8'));
    },
    writePointer: (text) => files.write(POINTER_FILE, Buffer.from(text, 'utf8')),
    readSnapshot: (md5, maxBytes) => files.read(snapshotFileName(md5), maxBytes),
    writeSnapshot: (md5, data) => files.write(snapshotFileName(md5), data),
    removeSnapshot: (md5) => files.remove(snapshotFileName(md5)),
  };
}

/** The root's own snapshots and pointer, read and written through its `RootSource`. */
export function rootStore(source: RootSource): SnapshotStore {
  const read = async (file: string, maxBytes: number): Promise<Buffer | undefined> => {
    try {
      return await readStream(await source.readAll(file), maxBytes, file);
    } catch (error) {
      if (isPhotolalaError(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  };
  const write = async (file: string, data: Uint8Array) => {
    if (!source.writeAtomic)
      throw new PhotolalaError('READ_ONLY', 'the root is read-only', { backend: source.backend });
    await source.writeAtomic(file, data);
  };
  return storeOver({
    name: 'root',
    writable: typeof source.writeAtomic === 'function',
    locate: (file) => `${source.uri}/${file}`,
    read,
    write,
    remove: async (file) => {
      await source.remove?.(file);
    },
  });
}

/** The cache mirror `{cache-root}/{root-md5}/`: a plain local folder. */
export function mirrorStore(dir: string): SnapshotStore {
  const full = (file: string) => nodePath.join(dir, file);
  const read = async (file: string, maxBytes: number): Promise<Buffer | undefined> => {
    try {
      const info = await fsp.stat(full(file));
      if (info.size > maxBytes)
        throw new PhotolalaError('CORRUPT', `${file} is larger than ${maxBytes} bytes`, {
          backend: 'mirror',
        });
      return await fsp.readFile(full(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fromSystemError(error, 'mirror', full(file), 'read');
    }
  };
  const write = async (file: string, data: Uint8Array) => {
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
      write,
      remove: (file) => fsp.rm(full(file), { force: true }),
    }),
    async hasSnapshotFiles() {
      const names = await fsp.readdir(dir).catch(() => [] as string[]);
      return names.some((n) => /^\.photolala\.[0-9a-f]{32}\.sqlite$/.test(n));
    },
  };
}
