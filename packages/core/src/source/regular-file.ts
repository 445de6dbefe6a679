import { constants, promises as fsp, type Stats, statSync } from 'node:fs';
import { PhotolalaError } from './errors.js';

/**
 * Flags to open a local file for reading when it may not be a regular file. Without O_NONBLOCK, opening
 * a FIFO waits for a writer, forever, where no signal handler can run; O_NOCTTY keeps a terminal
 * device planted in a folder from becoming the process's controlling terminal. (Windows has neither
 * flag, nor FIFOs to open.)
 */
export const OPEN_FOR_READING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Node's module loader resolves each import's symlinks with a `realpathSync` that reads a file's type
 * from the buffer every synchronous stat in the process shares, and stops resolving when that says
 * FIFO or socket (the check questioned in review of nodejs/node#20167). So after a sync stat of a FIFO, a lazy import (sharp, under
 * pnpm's symlinked layout) loads from the unresolved path and cannot find its own dependencies: every
 * photo of a scan that met a FIFO failed. Statting the filesystem root overwrites the buffer.
 */
function forgetSpecialStat(): void {
  try {
    statSync('/');
  } catch {
    // Nothing to overwrite it with; the loader's cache makes a miss unlikely to matter.
  }
}

/** What a file that is not a regular file is, in words ("a FIFO"), or undefined for a regular file. */
export function specialFileKind(
  info: Pick<Stats, 'isFile' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isDirectory'>,
): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isFIFO() || info.isSocket()) forgetSpecialStat();
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isDirectory()) return 'a folder';
  return 'a special file';
}

/** The error for reading something that is not a regular file: `UNSUPPORTED`, naming what it is. */
export function notRegularFile(kind: string, backend: string, path: string): PhotolalaError {
  return new PhotolalaError('UNSUPPORTED', `${JSON.stringify(path)} is ${kind}, not a regular file`, {
    backend,
    path,
  });
}

/**
 * Opens a local file to read, refusing anything but a regular file (checked with `fstat` on the open
 * file, so a file swapped after a check is still caught). Errors are raw Node.js errors, or the
 * `UNSUPPORTED` error of {@link notRegularFile} with `backend` and `path` (the name to report).
 */
export async function openRegularFile(
  file: string,
  backend: string,
  path: string = file,
): Promise<{ handle: fsp.FileHandle; size: number }> {
  const handle = await fsp.open(file, OPEN_FOR_READING);
  try {
    const info = await handle.stat();
    const kind = specialFileKind(info);
    if (kind) throw notRegularFile(kind, backend, path);
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * A whole local file that must be regular, with at most `maxBytes` (a larger file is `CORRUPT`).
 * Errors as {@link openRegularFile}.
 */
export async function readRegularFile(file: string, backend: string, maxBytes = Infinity): Promise<Buffer> {
  const { handle, size } = await openRegularFile(file, backend);
  try {
    if (size > maxBytes)
      throw new PhotolalaError('CORRUPT', `${file} is larger than ${maxBytes} bytes`, {
        backend,
        path: file,
      });
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
