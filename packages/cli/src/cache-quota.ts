import { type PruneCacheReport, pruneCache, resolveCacheRoot, type ScanResult } from '@photolala/core';
import bytes from 'bytes';
import { type Command, InvalidArgumentError } from 'commander';
import type { Runner } from './commands.js';
import { EXIT, type GlobalOptions } from './context.js';
import type { Output } from './output.js';

/** A size such as `500MB`, `5GB` or `5GiB` (powers of 1024, as `du -h` counts), or plain bytes. */
export function parseSize(value: string): number {
  // bytes reads "12xb" as 12, so the form is checked first; it spells 1024-based units without the
  // "i", so "GiB" is accepted as "GB".
  const form = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgtp])i?)?b?\s*$/i.exec(value);
  const parsed = form ? bytes.parse(`${form[1]}${form[2] ?? ''}b`) : null;
  if (parsed === null || !Number.isFinite(parsed))
    throw new InvalidArgumentError('expected a size such as 500MB, 5GB or 5GiB');
  return Math.floor(parsed);
}

function positiveDays(value: string): number {
  const days = Number(value);
  if (!Number.isFinite(days) || days < 0) throw new InvalidArgumentError('expected a number of days');
  return days;
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

export function registerCacheCommand(program: Command, run: Runner): void {
  const cache = program
    .command('cache')
    .description('manage the cache of thumbnails and metadata shared by all roots');
  cache
    .command('info')
    .description('how much the cache holds, and how much of it recently opened roots use')
    .option('--json', 'print one JSON object')
    .action(async function (this: Command, opts: { json?: boolean }) {
      await run(this, opts.json ?? false, async (out, globals) => {
        // A dry run with no limit: the same walk, and nothing would be removed.
        const report = await pruneCache(resolveCacheRoot(globals.cacheDir), {
          maxBytes: Number.MAX_SAFE_INTEGER,
          dryRun: true,
        });
        const { cacheRoot, bytesBefore: bytes, photosBefore: photos, sparedBytes, recentRoots } = report;
        if (out.options.json)
          out.json({ cacheRoot, bytes, photos, recentRoots, recentRootsBytes: sparedBytes });
        else
          out.result(
            `cache ${cacheRoot}: ${size(bytes)} for ${photos} photos, ${size(sparedBytes)} of it listed by ${roots(recentRoots)} opened in the last 90 days${globals.cacheMaxSize === undefined ? '' : `; quota ${size(globals.cacheMaxSize)}`}`,
          );
        for (const warning of report.warnings) out.warn(warning);
        return EXIT.ok;
      });
    });
  cache
    .command('prune')
    .description(
      'remove the least recently used thumbnails and metadata until the cache fits its quota; photos listed by roots opened recently are kept',
    )
    .option(
      '--max-size <size>',
      'the quota, such as 5GB (default: --cache-max-size or PHOTOLALA_CACHE_MAX_SIZE)',
      parseSize,
    )
    .option('--spare-days <days>', 'keep every photo of roots opened within this many days', positiveDays, 90)
    .option('--dry-run', 'say what would be removed, and remove nothing')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nA removed thumbnail is made again when it is next asked for.\n\nExamples:\n  $ photolala cache prune --max-size 5GB\n  $ photolala cache prune --max-size 500MB --dry-run\n',
    )
    .action(async function (
      this: Command,
      opts: { maxSize?: number; spareDays: number; dryRun?: boolean; json?: boolean },
    ) {
      await run(this, opts.json ?? false, async (out, globals) => {
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
      });
    });
}
