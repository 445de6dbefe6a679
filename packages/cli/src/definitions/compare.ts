import type { Command, Option } from 'commander';
import type { CompareOptions, DuplicatesOptions } from '../commands/compare.js';
import { parseSize } from '../options.js';
import type { Runner } from '../runner.js';

/** compare and duplicates: questions answered across the catalogs of several roots. */
export function defineCompareCommands(program: Command, run: Runner, threshold: Option): void {
  program
    .command('compare')
    .description('is every photo of SRC also in a DEST? Compares the catalogs by photo-md5, reading no photo')
    .argument('<src>', 'the catalogued root whose photos must be backed up')
    .argument('<dest...>', 'catalogued roots that should hold them (any backends)')
    .option('--missing', 'list the photos of SRC that are in no DEST')
    .option(
      '--json',
      'print NDJSON: one line per photo of SRC (with --missing, per missing photo), then a summary',
    )
    .option('--scan', 'scan every root first, so that the catalogs are current')
    .addHelpText(
      'after',
      `
Exit codes: 0 every photo of SRC is in a DEST; 3 some are missing (or could not be digested, so
cannot be looked for); 1 an error. A root whose catalog is stale is named on stderr.

Examples:
  $ photolala compare /media/card ~/Pictures s3://my-bucket/photos
  $ photolala compare /media/card ~/Pictures --missing
  $ photolala compare ~/Pictures smb://me@nas/photos --json | jq -c 'select(.type == "photo" and .copies == [])'
`,
    )
    .action(async function (this: Command, src: string, dests: string[], opts: CompareOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('../commands/compare.js')).compare(out, globals, src, dests, opts),
      );
    });

  program
    .command('duplicates')
    .description('groups of identical photos (same photo-md5) within and across roots, from the catalogs')
    .argument('<roots...>', 'catalogued roots (any backends)')
    .option(
      '--similar',
      'also group near-duplicates (resized, re-encoded, edited, bursts) by perceptual hash',
    )
    .addOption(threshold)
    .option('--min-size <size>', 'only photos of at least SIZE (such as 1MB)', parseSize)
    .option('--within', 'only duplicates within one root, not across roots')
    .option('--json', 'print NDJSON: one line per group (type identical or similar), then a summary')
    .option('--scan', 'scan every root first, so that the catalogs are current')
    .addHelpText(
      'after',
      `
Identical groups are listed largest cleanup first; similar groups (--similar) are listed apart,
and exact copies of a photo stay together under one member. Catalogs made before perceptual hashes
get theirs from the cached thumbnails (no photo is read), and keep them.

Examples:
  $ photolala duplicates ~/Pictures /mnt/nas/photos --min-size 1MB
  $ photolala duplicates ~/Pictures --within
  $ photolala duplicates ~/Pictures s3://my-bucket/photos --similar --threshold 10 --json
`,
    )
    .action(async function (this: Command, roots: string[], opts: DuplicatesOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('../commands/compare.js')).duplicates(out, globals, roots, opts),
      );
    });
}
