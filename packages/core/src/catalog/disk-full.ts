import { PhotolalaError } from '../source/errors.js';

/**
 * A full disk under the catalog's own files (the working database, snapshots being written in the
 * cache mirror), said as such: SQLite reports only "database or disk is full", naming no file, and a
 * raw ENOSPC from a copy is no coded error. Anything else is returned as it is.
 */
export function reportDiskFull(error: unknown, workFile: string): unknown {
  if (error instanceof PhotolalaError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'SQLITE_FULL')
    return new PhotolalaError(
      'IO',
      `cannot write the catalog's working database ${JSON.stringify(workFile)}: no space left on device (SQLite: database or disk is full)`,
      { backend: 'catalog', cause: error },
    );
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new PhotolalaError(
      'IO',
      `cannot write the catalog's files beside ${JSON.stringify(workFile)}: ${(error as Error).message}`,
      { backend: 'catalog', cause: error },
    );
  return error;
}
