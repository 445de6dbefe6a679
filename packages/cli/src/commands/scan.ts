import type { ScanResult } from '@photolala/core';
import { missingRootSaid, withCatalog } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { stopGracefully } from '../interrupt.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';
import { describeLoad, scanJson } from '../render.js';
import { pruneAfterScan } from './cache.js';

export interface ScanOptions {
  json?: boolean;
  full?: boolean;
}

/** `photolala scan ROOT`: builds or updates the catalog, then publishes a snapshot. */
export function scan(out: Output, globals: GlobalOptions, root: string, opts: ScanOptions): Promise<number> {
  return withCatalog(root, globals, out, false, async (catalog) => {
    const source = catalog.loadInfo.source;
    // The bar's module (cli-progress) is loaded only where a bar is drawn: `--json`, `-q` and a
    // script's scan do not pay for it.
    const detach = out.live
      ? (await import('../progress.js')).attachProgressBar(catalog, out.options.color)
      : () => {};
    // Ctrl-C or SIGTERM: the reads in flight are abandoned, and what is done is saved. A second one
    // quits at once, losing only this scan's unsaved work (see interrupt.ts).
    const stop = stopGracefully(
      'stopping: saving what is done; press Ctrl-C again to quit now without saving',
      detach,
    );
    let result: ScanResult;
    try {
      result = await catalog.scan({ full: opts.full ?? false, signal: stop.signal });
    } catch (error) {
      // Stopped while the files were still being listed: nothing was changed.
      if (!stop.signal.aborted) throw missingRootSaid(root, error, 'scanning');
      out.warn('stopped while listing the files; the catalog is as it was');
      return EXIT.interrupted;
    } finally {
      detach();
      stop.release();
    }
    const cache = await pruneAfterScan(globals, out, result);
    if (out.options.json) out.json({ ...scanJson(result, source), ...(cache ? { cache } : {}) });
    else {
      out.result(
        `${result.rootUri}: ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'}, catalog ${result.catalogMd5}`,
      );
      out.result(
        `  added ${result.added.length}, removed ${result.removed.length}, changed ${result.changed.length}, moved ${result.moved.length}, unchanged ${result.unchanged}, failed ${result.failed.length}  (${(result.durationMs / 1000).toFixed(1)} s, ${describeLoad(source)})`,
      );
      for (const f of result.failed) out.failure(`${f.path}: ${f.reason}`);
      if (result.skipped.length > 0) {
        // Left out on purpose (a Photos library's videos, an application's store): counted
        // here, listed with -v or --json.
        out.result(
          `  skipped ${result.skipped.length} on purpose${out.options.verbose ? ':' : ' (-v lists them)'}`,
        );
        for (const s of result.skipped) out.detail(`    ${s.path}: ${s.reason}`);
      }
      for (const s of result.snapshots) out.detail(`  snapshot ${s}`);
      if (result.interrupted)
        out.result(
          `  interrupted: what was done is saved; ${result.interrupted.remaining} files are left for the next scan`,
        );
    }
    if (result.interrupted) return EXIT.interrupted;
    // A store left stale (its upload failed after retries) is a partial success, as failed files are.
    return result.failed.length > 0 || result.publishFailed ? EXIT.partial : EXIT.ok;
  });
}
