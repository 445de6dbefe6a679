import { randomBytes } from 'node:crypto';
import { TEMP_FILE_PREFIX } from './enumerate-filter.js';
import { isPhotolalaError } from './errors.js';
import type { RootSource } from './root-source.js';

/**
 * Whether the store refuses writes into the root: a source without `writeAtomic`, or one whose store
 * answers a write with `READ_ONLY` or `PERMISSION_DENIED` (a folder the user may only read, S3
 * credentials without PutObject). Only trying tells, so an empty temp file is written and removed;
 * should the removal fail, its name is a temp file's, which scans skip and the next open of the
 * catalog removes once stale. Any other failure (the server unreachable) is thrown: it says nothing
 * about the root's permissions.
 */
export async function refusesWrites(source: RootSource): Promise<boolean> {
  if (!source.writeAtomic) return true;
  const probe = `${TEMP_FILE_PREFIX}probe-${randomBytes(6).toString('hex')}`;
  try {
    await source.writeAtomic(probe, new Uint8Array(0));
  } catch (error) {
    if (isPhotolalaError(error, 'READ_ONLY') || isPhotolalaError(error, 'PERMISSION_DENIED')) return true;
    throw error;
  }
  await source.remove?.(probe).catch(() => {});
  return false;
}
