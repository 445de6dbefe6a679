import { syncStarsToCloud } from '@photolala/core';
import { openCloudStore } from '../cloud.js';
import { withCatalog } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';
import { countBar } from '../progress.js';

export interface SyncOptions {
  to: string;
  user: string;
  json?: boolean;
}

/** `photolala sync ROOT --to s3://bucket --user UUID`. */
export function sync(out: Output, globals: GlobalOptions, root: string, opts: SyncOptions): Promise<number> {
  return withCatalog(root, globals, out, true, async (catalog) => {
    const { store, close } = await openCloudStore(opts.to);
    const bar = countBar(out, 'syncing', 'photos');
    try {
      const report = await syncStarsToCloud(catalog, store, { user: opts.user, ...bar.options });
      bar.stop();
      if (out.options.json) out.json({ root: catalog.rootUri, to: store.uri, ...report });
      else {
        out.result(
          `${store.uri}: uploaded ${report.uploaded.length}, already there ${report.alreadyPresent.length}, deleted ${report.deleted.length}, failed ${report.failed.length}`,
        );
        for (const f of report.failed) out.failure(`${f.key}: ${f.reason}`);
        if (report.catalog) out.result(`  catalog: ${store.uri}/${report.catalog.pointer}`);
      }
      return report.failed.length > 0 ? EXIT.failure : EXIT.ok;
    } finally {
      bar.stop();
      close();
    }
  });
}
