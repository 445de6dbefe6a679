import { type PruneCacheReport, pruneCache, resolveCacheRoot, type ScanResult } from '@photolala/core';
import bytes from 'bytes';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';

export interface PruneOptions {
  maxSize?: number;
  spareDays: number;
  dryRun?: boolean;
  json?: boolean;
}

const roots = (n: number) => `${n} root${n === 1 ? '' : 's'}`;
const size = (n: number) => bytes.format(n, { unitSeparator: ' ' }) ?? `${n} B`;

/** The report in one line, and its warnings. */
function printReport(out: Output, report: PruneCacheReport, asResult: boolean): void {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const line = `cache ${report.cacheRoot}: ${size(report.bytesBefore)} for ${report.photosBefore} photos; ${verb} ${report.removedPhotos} (${size(report.removedBytes)}), leaving ${size(report.bytesAfter)} of ${size(report.maxBytes)}; ${size(report.sparedBytes)} spared for ${roots(report.recentRoots)} opened recently`;
  if (asResult) out.result(line);
  else out.info(line);
  for (const warning of report.warnings) out.warn(warning);
  if (report.overQuota)
    out.warn(
      `the cache is still over its quota: what is left belongs to roots opened recently (see --spare-days)`,
    );
}

/**
 * After a scan that added thumbnails, with `--cache-max-size` (or PHOTOLALA_CACHE_MAX_SIZE): keep the
 * cache within its quota. A scan that rendered nothing did not grow the cache, and is spared the
 * walk over it (1.6 s for 100k photos). Says nothing unless it removed something or could not get
 * under the quota.
 */
export async function pruneAfterScan(
  globals: GlobalOptions,
  out: Output,
  scan: ScanResult,
): Promise<PruneCacheReport | undefined> {
  // Nor after Ctrl-C: whoever stopped the scan wants it to end; `cache prune`, or a later scan that
  // makes thumbnails, catches up.
  if (globals.cacheMaxSize === undefined || scan.rendered === 0 || scan.interrupted) return undefined;
  const report = await pruneCache(resolveCacheRoot(globals.cacheDir), { maxBytes: globals.cacheMaxSize });
  if (!out.options.json && (report.removedPhotos > 0 || report.overQuota || report.warnings.length > 0))
    printReport(out, report, false);
  return report;
}

/** `photolala cache info`: how much the cache holds, and how much recently opened roots use. */
export async function cacheInfo(out: Output, globals: GlobalOptions): Promise<number> {
  // A dry run with no limit: the same walk, and nothing would be removed.
  const report = await pruneCache(resolveCacheRoot(globals.cacheDir), {
    maxBytes: Number.MAX_SAFE_INTEGER,
    dryRun: true,
  });
  const { cacheRoot, bytesBefore: bytes, photosBefore: photos, sparedBytes, recentRoots } = report;
  if (out.options.json) out.json({ cacheRoot, bytes, photos, recentRoots, recentRootsBytes: sparedBytes });
  else
    out.result(
      `cache ${cacheRoot}: ${size(bytes)} for ${photos} photos, ${size(sparedBytes)} of it listed by ${roots(recentRoots)} opened in the last 90 days${globals.cacheMaxSize === undefined ? '' : `; quota ${size(globals.cacheMaxSize)}`}`,
    );
  for (const warning of report.warnings) out.warn(warning);
  return EXIT.ok;
}

/** `photolala cache prune`: the least recently used files go until the cache fits its quota. */
export async function cachePrune(out: Output, globals: GlobalOptions, opts: PruneOptions): Promise<number> {
  const maxBytes = opts.maxSize ?? globals.cacheMaxSize;
  if (maxBytes === undefined) {
    out.error('no quota: give --max-size SIZE, or --cache-max-size / PHOTOLALA_CACHE_MAX_SIZE');
    return EXIT.usage;
  }
  const report = await pruneCache(resolveCacheRoot(globals.cacheDir), {
    maxBytes,
    spareDays: opts.spareDays,
    dryRun: opts.dryRun ?? false,
  });
  if (out.options.json) out.json(report);
  else printReport(out, report, true);
  return EXIT.ok;
}
