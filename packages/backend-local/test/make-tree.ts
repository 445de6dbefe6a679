import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes `files` (relative `/` path to content) into a new temp folder and returns its path. */
export async function makeTree(
  files: Iterable<{ path: string; data: Uint8Array | string }>,
): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'photolala-local-'));
  for (const file of files) {
    const full = path.join(root, ...file.path.split('/'));
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, file.data);
  }
  return root;
}
