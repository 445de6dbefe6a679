import {
  type Catalog,
  type CatalogWarning,
  describeError,
  isPhotolalaError,
  openCatalog,
  PhotolalaError,
  redactRootUri,
} from '@photolala/core';
import { openSource } from './backends.js';
import { cloudBrowseRoot } from './cloud.js';
import { forgetCatalog, trackCatalog } from './interrupt.js';
import type { GlobalOptions } from './options.js';
import type { Output } from './output.js';
import { describeLoad, describeSavedAt } from './render.js';
import { afterRun } from './runner.js';

export interface OpenOptions {
  /** Refuse to go on when the root has no catalog yet (commands that only read one). */
  requireCatalog?: boolean;
  /** With `requireCatalog`: another way to get a catalog than `photolala scan`, said with it. */
  orInstead?: string;
  /** Browse the cloud copy of a user's catalog: ROOT is `s3://bucket`. */
  user?: string;
  /**
   * When the root's server cannot be reached, go on with the cache mirror's copy of its catalog
   * (commands that only show the catalog: list, thumbnail, metadata, serve).
   */
  offline?: boolean;
  /**
   * Refuse to go on when the root is not there, even with no catalog required (`serve --scan`): a
   * backend that finds out only by listing opens a root that is not there.
   */
  requireRoot?: boolean;
}

/**
 * Opening is instant from a local mirror, but the first visit from another machine copies the root's
 * snapshot (88 MB for 100k photos) over the network, and saving one uploads it: past this, the
 * terminal says what is going on.
 */
const SLOW_NOTICE_AFTER_MS = 1000;

/**
 * What the terminal says about an open or a close that takes more than a second: `line`, replaced by
 * a bar of the snapshot's bytes under `label` once the catalog reports them. `update` is undefined
 * where nothing is drawn (`--json`, `--quiet`, not a terminal).
 */
async function slowSnapshotNotice(out: Output, line: string, label: string) {
  const notice = out.transient(line, SLOW_NOTICE_AFTER_MS);
  // The bar's module (and cli-progress) is loaded only where one may be drawn: a listing piped to a
  // script does not pay for it.
  const bar = out.live
    ? (await import('./progress.js')).delayedBytesBar(out.options.color, label, SLOW_NOTICE_AFTER_MS, () =>
        notice.clear(),
      )
    : undefined;
  return {
    update: bar?.update,
    done() {
      notice.clear();
      bar?.stop();
    },
  };
}

/** Opens a ROOT's catalog with the global options applied, reporting how it was loaded. */
export async function openRootCatalog(
  root: string,
  globals: GlobalOptions,
  out: Output,
  options: OpenOptions = {},
): Promise<Catalog> {
  const browse = options.user ? await cloudBrowseRoot(root, options.user) : undefined;
  const { source, shard } = await openSource(
    browse?.root ?? root,
    { env: process.env, ...(globals.readOnly || browse ? { readOnly: true } : {}) },
    globals.backend ?? [],
    { offline: options.offline === true },
  ).catch((error: unknown) => {
    throw missingRootSaid(root, error, 'opening');
  });
  const opening = await slowSnapshotNotice(out, `opening the catalog of ${source.uri}…`, 'loading');
  let catalog: Catalog;
  try {
    catalog = await openCatalog(source, {
      ...(globals.cacheDir !== undefined ? { cacheDir: globals.cacheDir } : {}),
      shard,
      ...(globals.concurrency !== undefined ? { limits: { concurrency: globals.concurrency } } : {}),
      ...(browse ? { fetchThumbnail: browse.fetchThumbnail } : {}),
      // A command that writes nothing (status, snapshots) leaves unsaved stars for the next one.
      ...(globals.readOnly ? { recoverStars: false } : {}),
      ...(opening.update ? { onLoadProgress: opening.update } : {}),
    });
  } finally {
    opening.done();
  }
  trackCatalog(catalog);
  if (browse) afterRun.push(browse.close);
  const info = catalog.loadInfo;
  out.detail(
    `catalog of ${catalog.rootUri}: ${describeLoad(info.source)}${info.location ? ` (${info.location})` : ''}`,
  );
  for (const skip of info.skipped) {
    out.detail(`  skipped ${skip.store}${skip.catalogMd5 ? ` ${skip.catalogMd5}` : ''}: ${skip.reason}`);
  }
  if (info.recoveredStars > 0)
    out.warn(
      `recovered ${info.recoveredStars} star change${info.recoveredStars === 1 ? '' : 's'} that a session ended before saving`,
    );
  if (info.offline && info.source !== 'none' && info.source !== 'rebuild')
    out.warn(
      `${catalog.rootUri} cannot be reached; showing its cached catalog${info.offline.savedAt ? ` saved ${describeSavedAt(info.offline.savedAt)}` : ''}`,
    );
  if (info.source === 'older')
    out.warn(`the newest snapshot of ${catalog.rootUri} is damaged; loaded an older one`);
  if (info.source === 'adopted')
    out.warn(
      `no pointer of ${catalog.rootUri} names a usable snapshot; loaded the newest snapshot file found (${info.catalogMd5})`,
    );
  if (options.requireCatalog && (info.source === 'none' || info.source === 'rebuild')) {
    await catalog.close();
    if (info.offline) {
      const reached = `${catalog.rootUri} cannot be reached`;
      const why = info.offline.reason.startsWith(reached)
        ? info.offline.reason
        : `${reached}: ${info.offline.reason}`;
      throw new PhotolalaError('UNAVAILABLE', `${why}; the cache holds no catalog of it`, {
        backend: 'cli',
        path: catalog.rootUri,
      });
    }
    // A backend that finds out only by listing it (a third-party one) opens a root that is not there.
    if (info.source === 'none')
      await firstListed(catalog).catch((error: unknown) => {
        throw missingRootSaid(root, error, 'listing');
      });
    throw new PhotolalaError(
      'NOT_FOUND',
      `${catalog.rootUri} has no ${info.source === 'rebuild' ? 'readable ' : ''}catalog yet; run \`photolala scan ${redactRootUri(root)}\` first${options.orInstead ? `, ${options.orInstead}` : ''}`,
      { backend: 'cli', path: catalog.rootUri },
    );
  }
  if (options.requireRoot && info.source === 'none' && !info.offline)
    await firstListed(catalog).catch(async (error: unknown) => {
      // Any other failure is the scan's to report.
      const missing = missingRootSaid(root, error, 'listing');
      if (missing === error) return;
      await catalog.close();
      throw missing;
    });
  catalog.events.on('warning', (w) => out.warnOnce(warningKey(catalog.rootUri, w), w.message));
  return catalog;
}

/** Lists the root's first file, or nothing: what a listing of the root meets first, it throws. */
async function firstListed(catalog: Catalog): Promise<void> {
  const walk = catalog.source.enumerate()[Symbol.asyncIterator]();
  try {
    await walk.next();
  } finally {
    await walk.return?.();
  }
}

/**
 * `error`, or for a root that is not there an error saying so by the name the user gave it (a
 * password hidden), its reason on the lines below: failing `NOT_FOUND` (or a bare `ENOENT`) while
 * `opening` or `listing` the root, or as a scan's listing of the root does (`NOT_FOUND` for the path
 * `''`, the root itself).
 */
export function missingRootSaid(
  root: string,
  error: unknown,
  when: 'opening' | 'listing' | 'scanning',
): unknown {
  const native = (error as NodeJS.ErrnoException | null)?.code;
  const missing = isPhotolalaError(error)
    ? error.code === 'NOT_FOUND' && (when !== 'scanning' || error.path === '')
    : when !== 'scanning' && (native === 'ENOENT' || native === 'ENOTDIR');
  if (!missing) return error;
  // The scan's own error says the same by the root's URI: its reason is what it wraps.
  const why = when === 'scanning' && (error as Error).cause !== undefined ? (error as Error).cause : error;
  const reason = describeError(why, { code: false, allLines: true }).split('\n');
  const shown = redactRootUri(root);
  return new PhotolalaError('NOT_FOUND', [`the root ${shown} does not exist`, ...reason].join('\n'), {
    backend: 'cli',
    path: shown,
    cause: error,
  });
}

/**
 * Which warnings of a root are one: those of one code (a read-only root's, worded with the system's
 * refusal or without it, comes at every save `serve` makes), else those of the same text.
 */
function warningKey(rootUri: string, warning: CatalogWarning): string {
  return `${rootUri}\n${warning.code ? `code ${warning.code}` : `text ${warning.message}`}`;
}

/**
 * Closes a catalog, which publishes its unsaved star changes: for 100k photos a snapshot takes about
 * 2 s to write, and longer to upload to a remote root, so past a second the terminal says so, with a
 * bar of the upload's bytes where the root reports them.
 */
export async function closeRootCatalog(catalog: Catalog, out: Output): Promise<void> {
  const saving = await slowSnapshotNotice(out, `saving the catalog of ${catalog.rootUri}…`, 'saving');
  const update = saving.update;
  const off = update && catalog.events.on('snapshot-progress', (p) => p.store === 'root' && update(p));
  try {
    await catalog.close();
  } finally {
    forgetCatalog(catalog);
    off?.();
    saving.done();
  }
}

/** Runs `body` on an opened catalog and always closes it (which publishes pending star changes). */
export async function withCatalog<T>(
  root: string,
  globals: GlobalOptions,
  out: Output,
  open: OpenOptions | boolean,
  body: (catalog: Catalog) => Promise<T>,
): Promise<T> {
  const catalog = await openRootCatalog(
    root,
    globals,
    out,
    typeof open === 'boolean' ? { requireCatalog: open } : open,
  );
  try {
    return await body(catalog);
  } finally {
    await closeRootCatalog(catalog, out);
  }
}
