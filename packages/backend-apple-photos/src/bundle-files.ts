import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import type { Readable } from 'node:stream';
import {
  fromSystemError,
  openRegularFile,
  PhotolalaError,
  resolveInside,
  type SourceEntry,
  validateRelativePath,
} from '@photolala/core/backend';
import { BACKEND } from './photos-database.js';

/**
 * Reads files inside a `.photoslibrary` bundle, never writing: only regular files (a FIFO or device
 * is refused without blocking), only inside the bundle (a relative path is validated, and a whole
 * read refuses a link that leads outside it). Errors are coded `PhotolalaError`s naming the path.
 */
export async function openBundleFiles(bundle: string) {
  let realBundle: string;
  try {
    const info = await fsp.stat(bundle);
    if (!info.isDirectory()) {
      throw new PhotolalaError('INVALID_ARGUMENT', `root is not a folder: ${bundle}`, {
        backend: BACKEND,
        path: bundle,
      });
    }
    realBundle = await fsp.realpath(bundle);
  } catch (error) {
    throw fromSystemError(error, BACKEND, bundle, 'open root folder');
  }

  async function readHead(path: string, bytes: number): Promise<Buffer> {
    const file = resolveInside(bundle, path, BACKEND);
    let opened: Awaited<ReturnType<typeof openRegularFile>> | undefined;
    try {
      opened = await openRegularFile(file, BACKEND, path);
      const buffer = Buffer.alloc(bytes);
      let filled = 0;
      while (filled < bytes) {
        const { bytesRead } = await opened.handle.read(buffer, filled, bytes - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === bytes ? buffer : buffer.subarray(0, filled);
    } catch (error) {
      throw fromSystemError(error, BACKEND, path, 'read');
    } finally {
      await opened?.handle.close();
    }
  }

  async function readAll(path: string): Promise<Readable> {
    const file = resolveInside(bundle, path, BACKEND);
    try {
      // A link planted in the bundle must not lead a whole read outside it.
      const real = await fsp.realpath(file);
      if (real !== realBundle && !real.startsWith(realBundle + nodePath.sep)) {
        throw new PhotolalaError('INVALID_PATH', `${JSON.stringify(path)} leads outside the root`, {
          backend: BACKEND,
          path,
        });
      }
      const { handle } = await openRegularFile(real, BACKEND, path);
      return handle.createReadStream();
    } catch (error) {
      throw fromSystemError(error, BACKEND, path, 'read');
    }
  }

  async function stat(path: string): Promise<SourceEntry | undefined> {
    const rel = validateRelativePath(path, BACKEND);
    try {
      const info = await fsp.stat(resolveInside(bundle, rel, BACKEND));
      return info.isFile() ? { path: rel, size: info.size, mtimeMs: Math.floor(info.mtimeMs) } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fromSystemError(error, BACKEND, path, 'stat');
    }
  }

  return { readHead, readAll, stat };
}
