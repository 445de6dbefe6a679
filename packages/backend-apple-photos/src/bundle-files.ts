import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import type { Readable } from 'node:stream';
import {
  defineNativeErrors,
  openRegularFile,
  PhotolalaError,
  type SourceEntry,
  SYSTEM_ERROR_CODES,
} from '@photolala/core/backend';
import { BACKEND } from './photos-database.js';

/** The bundle is on a local disk: its errors are Node.js system errors. */
export const bundleErrors = defineNativeErrors({ backend: BACKEND, codes: SYSTEM_ERROR_CODES });

/**
 * Reads files inside a `.photoslibrary` bundle, never writing: only regular files (a FIFO or device
 * is refused without blocking), only inside the bundle (paths come validated by guardSource, and a
 * whole read refuses a link that leads outside it).
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
    throw bundleErrors.wrap(error, bundle, 'open root folder');
  }
  /** Where a validated relative path is in the bundle. */
  const inBundle = (rel: string) => nodePath.join(bundle, ...rel.split('/'));

  async function readHead(rel: string, bytes: number): Promise<Buffer> {
    const { handle } = await openRegularFile(inBundle(rel), BACKEND, rel);
    try {
      const buffer = Buffer.alloc(bytes);
      let filled = 0;
      while (filled < bytes) {
        const { bytesRead } = await handle.read(buffer, filled, bytes - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === bytes ? buffer : buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async function readAll(rel: string): Promise<Readable> {
    // A link planted in the bundle must not lead a whole read outside it.
    const real = await fsp.realpath(inBundle(rel));
    if (real !== realBundle && !real.startsWith(realBundle + nodePath.sep)) {
      throw new PhotolalaError('INVALID_PATH', `${JSON.stringify(rel)} leads outside the root`, {
        backend: BACKEND,
        path: rel,
      });
    }
    const { handle } = await openRegularFile(real, BACKEND, rel);
    return handle.createReadStream();
  }

  async function stat(rel: string): Promise<SourceEntry | undefined> {
    const info = await fsp.stat(inBundle(rel));
    return info.isFile() ? { path: rel, size: info.size, mtimeMs: Math.floor(info.mtimeMs) } : undefined;
  }

  return { readHead, readAll, stat };
}
