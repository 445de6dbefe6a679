import { describeError, isPhotolalaError } from '@photolala/core';
import { withCatalog } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';

/** `photolala star|unstar ROOT IDS...`: each id on its own, queued for cloud sync. */
export function setStars(
  out: Output,
  globals: GlobalOptions,
  starred: boolean,
  root: string,
  ids: string[],
): Promise<number> {
  return withCatalog(root, globals, out, true, async (catalog) => {
    // Each id on its own: one that cannot be starred does not stop the others.
    let failed = 0;
    for (const id of ids) {
      try {
        const entry = starred ? await catalog.star(id) : await catalog.unstar(id);
        out.result(`${starred ? 'starred' : 'unstarred'} ${entry.path}`);
      } catch (error) {
        if (!isPhotolalaError(error)) throw error;
        out.failure(`${id}: ${describeError(error)}`);
        failed++;
      }
    }
    return failed > 0 ? EXIT.failure : EXIT.ok;
  });
}
