import { mkdirSync, statSync } from 'node:fs';
import nodePath from 'node:path';

// Node's own recursive mkdir (`mkdir -p`) never returns when a parent exists but mkdir under it
// answers ENOENT: procfs does (`/proc/x/y`), and so do a dangling symlink and a stale mount. It takes
// ENOENT for "no parent", creates the parent (EEXIST: fine), and tries again, forever, at 100% CPU.
// These create one level at a time, and an ENOENT once the parent exists is final.

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** `mkdir -p` that fails instead of spinning; see above. Errors are Node's own. */
export function makeFolderSync(folder: string): void {
  try {
    mkdirSync(folder);
    return;
  } catch (error) {
    if (code(error) === 'EEXIST' && statSync(folder).isDirectory()) return;
    if (code(error) !== 'ENOENT') throw error;
  }
  const parent = nodePath.dirname(folder);
  if (parent === folder) throw new Error(`cannot create ${folder}`);
  makeFolderSync(parent);
  try {
    mkdirSync(folder);
  } catch (error) {
    if (code(error) === 'EEXIST' && statSync(folder).isDirectory()) return;
    throw error;
  }
}

/**
 * `makeFolderSync` for async callers. A few mkdir calls on the calling thread cost less than a trip
 * through libuv's pool each, which is why there is one implementation, not two.
 */
export async function makeFolder(folder: string): Promise<void> {
  makeFolderSync(folder);
}
