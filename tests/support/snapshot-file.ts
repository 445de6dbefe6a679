import { readFile } from 'node:fs/promises';
import { unpackSnapshotBytes } from '@photolala/core/internals';

/**
 * A snapshot file's SQLite bytes: a root keeps its snapshots packed (see snapshot-packing.ts), the
 * mirror keeps them as they are; the catalog-md5 names these bytes either way.
 */
export async function readSnapshotFile(file: string): Promise<Buffer> {
  return unpackSnapshotBytes(await readFile(file), 1 << 30, file);
}
