import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { TEMP_FILE_PREFIX } from '@photolala/core/backend';
import { BUSY_PATIENCE_MS, type FileHandle, type SmbShare } from './smb-share.js';

/**
 * Bytes per SMB2 WRITE (the client's own limit: 64 KiB less the message header), and how many are in
 * flight at once when a local file is streamed to the share.
 */
const WRITE_CHUNK = 0x10000 - 0x71;
const WRITES_IN_FLIGHT = 8;
/** SMB2 CREATE disposition: create the file, failing if it exists. */
const FILE_CREATE = 2;

/**
 * `writeAtomic`, `writeAtomicFromFile` and `remove` of a share: a write fills a temp name in the
 * target's folder, then renames it over the target.
 */
export function smbWrites(share: SmbShare) {
  const { connection } = share;

  async function ensureFolder(serverDir: string): Promise<void> {
    if (serverDir === '') return;
    const parts = serverDir.split('\\');
    const rootDepth = share.rootPath ? share.rootPath.split('/').length : 0;
    for (let i = rootDepth + 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('\\');
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
    share.renamesInProgress.set(key, gate);
    try {
      await renaming;
    } finally {
      if (share.renamesInProgress.get(key) === gate) share.renamesInProgress.delete(key);
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
   * Replaces `rel` atomically: `fill` writes a fresh temp name in the target's folder (so the
   * rename stays within one folder), which is then renamed over the target; on failure the temp
   * name is removed.
   */
  async function replaceThroughTemp(rel: string, fill: (temp: string) => Promise<void>): Promise<void> {
    const target = await share.toServer(rel);
    const slash = target.lastIndexOf('\\');
    const dir = slash < 0 ? '' : target.slice(0, slash);
    const temp = `${dir ? `${dir}\\` : ''}${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}`;
    try {
      await ensureFolder(dir);
      await fill(temp);
      await renameOver(temp, target);
    } catch (error) {
      await connection.call<void>((client, cb) => client.unlink(temp, cb)).catch(() => {});
      throw error;
    }
  }

  const writeAtomic = (rel: string, data: Uint8Array): Promise<void> =>
    replaceThroughTemp(rel, (temp) =>
      // 'wx': create the temp name, failing rather than overwriting should it exist.
      connection.call<void>((client, cb) => client.writeFile(temp, Buffer.from(data), { flag: 'wx' }, cb)),
    );

  /**
   * `writeAtomic` with the bytes streamed from a local file, 64 KiB WRITEs a few at a time, so a
   * catalog snapshot (about 88 MB for 100k photos) never sits in memory whole.
   */
  const writeAtomicFromFile = (rel: string, localFile: string, onBytes?: (bytes: number) => void) =>
    replaceThroughTemp(rel, async (temp) => {
      const file = await connection.request<FileHandle>('create', {
        path: temp,
        createDisposition: FILE_CREATE,
      });
      try {
        await streamInto(file, localFile, onBytes);
      } finally {
        await share.closeHandle(file);
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

  async function remove(rel: string): Promise<void> {
    const target = await share.toServer(rel);
    await connection.call<void>((client, cb) => client.unlink(target, cb));
  }

  return { writeAtomic, writeAtomicFromFile, remove };
}
