import type { Command } from 'commander';
import type { PruneOptions } from '../commands/cache.js';
import { parseSize, positiveDays } from '../options.js';
import type { Runner } from '../runner.js';

/** cache info and cache prune: the cache of thumbnails and metadata that all roots share. */
export function defineCacheCommands(program: Command, run: Runner): void {
  const cache = program
    .command('cache')
    .description('manage the cache of thumbnails and metadata shared by all roots');
  cache
    .command('info')
    .description('how much the cache holds, and how much of it recently opened roots use')
    .option('--json', 'print one JSON object')
    .action(async function (this: Command, opts: { json?: boolean }) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('../commands/cache.js')).cacheInfo(out, globals),
      );
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
    .action(async function (this: Command, opts: PruneOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('../commands/cache.js')).cachePrune(out, globals, opts),
      );
    });
}
