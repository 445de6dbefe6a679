import { ServerSpellings } from '@photolala/core/backend';
import { isConnectionFailure } from './errors.js';
import type { SmbConnection } from './smb-connection.js';

/** SMB2 FILE_ATTRIBUTE_* bits used here. */
export const ATTRIBUTE = { hidden: 0x2, system: 0x4, directory: 0x10 } as const;
/** How long an open or rename that collides with another client's open or rename is retried. */
export const BUSY_PATIENCE_MS = 5_000;
/** FILETIME (100 ns ticks since 1601) of the Unix epoch. */
const EPOCH_TICKS = 116_444_736_000_000_000n;

/** An entry of an SMB2 QUERY_DIRECTORY answer, as the client parses it. */
export interface DirectoryEntry {
  Filename: string;
  FileAttributes: number;
  EndofFile: Buffer;
  LastWriteTime: Buffer;
}

/** An open file as the client returns it from CREATE. */
export interface FileHandle {
  FileId: Buffer;
  EndofFile: Buffer;
  FileAttributes: Buffer;
  LastWriteTime: Buffer;
}

export const uint64 = (buffer: Buffer) => Number(buffer.readBigUInt64LE(0));
export const fileTimeMs = (buffer: Buffer) => Number(buffer.readBigUInt64LE(0) - EPOCH_TICKS) / 10_000;
export const isFolder = (file: FileHandle) =>
  (file.FileAttributes.readUInt32LE(0) & ATTRIBUTE.directory) !== 0;

/**
 * The root folder in a share, over one connection: where a relative path is on the share, and the
 * opens, closes and listings that reading and writing share. Renames over a target in progress are
 * kept here, so that no new handle is opened on a file while it is being replaced.
 */
export class SmbShare {
  /** Names as the server spells them, by NFC path: shares written from macOS hold NFD names. */
  readonly spellings = new ServerSpellings(async (dir) =>
    (await this.listFolder(this.onShare(dir))).map((entry) => entry.Filename),
  );
  /** Renames over a target, by lower-cased SMB path (shares are usually case-insensitive). */
  readonly renamesInProgress = new Map<string, Promise<void>>();

  constructor(
    readonly connection: SmbConnection,
    /** The root folder inside the share, `/`-separated; empty for the share itself. */
    readonly rootPath: string,
  ) {}

  /** The SMB path (share-relative, `\\`-separated) of a path as the server spells it. */
  onShare(serverRel: string): string {
    return [this.rootPath, serverRel]
      .filter((part) => part !== '')
      .join('/')
      .replaceAll('/', '\\');
  }

  /** The SMB path of a relative path, spelt as the server has it. */
  async toServer(rel: string): Promise<string> {
    return this.onShare(await this.spellings.resolve(rel));
  }

  /** Runs an idempotent operation, once more on a fresh connection if the old one was lost. */
  async retrying<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      return run();
    }
  }

  /**
   * Opens a file or folder for reading. SHARING_VIOLATION means a writer is renaming over it right
   * now (SMB locks both names during a rename); that lasts milliseconds, so wait and try again.
   */
  async open(serverPath: string): Promise<FileHandle> {
    await this.renamesInProgress.get(serverPath.toLowerCase());
    const deadline = Date.now() + BUSY_PATIENCE_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      try {
        return await this.connection.request<FileHandle>('open', { path: serverPath });
      } catch (error) {
        const busy = (error as { code?: string }).code === 'STATUS_SHARING_VIOLATION';
        if (!busy || Date.now() + delay > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  closeHandle(file: FileHandle): Promise<unknown> {
    return this.connection.request('close', file).catch(() => {
      // Closing fails only when the connection is gone, and that closes the handle too.
    });
  }

  async listFolder(serverPath: string): Promise<DirectoryEntry[]> {
    const folder = await this.open(serverPath);
    const entries: DirectoryEntry[] = [];
    try {
      for (;;) {
        try {
          entries.push(...(await this.connection.request<DirectoryEntry[]>('query_directory', folder)));
        } catch (error) {
          if ((error as { code?: string }).code === 'STATUS_NO_MORE_FILES') break;
          throw error;
        }
      }
    } finally {
      await this.closeHandle(folder);
    }
    return entries;
  }
}
