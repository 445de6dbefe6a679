import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/fs.js';

const run = promisify(execFile);

/**
 * Packs every workspace package into `destination` as the registry would get it, and gives each
 * package's name its tarball's path. The build ran before the tests; a prepack would rebuild dist/
 * under the other tests, so scripts are skipped. `only` names the package folders to pack, else all.
 */
export async function packWorkspace(destination: string, only?: string[]): Promise<Record<string, string>> {
  const packs: Record<string, string> = {};
  for (const dir of only ?? (await readdir(path.join(REPO_ROOT, 'packages')))) {
    const { stdout } = await run(
      'pnpm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', destination],
      { cwd: path.join(REPO_ROOT, 'packages', dir) },
    );
    const report = JSON.parse(stdout) as { name: string; filename: string };
    packs[report.name] = report.filename;
  }
  return packs;
}
