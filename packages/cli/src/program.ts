import { readFileSync } from 'node:fs';
import { Command, Option, type ParseOptions } from 'commander';
import type { ListOptions } from './commands/browse.js';
import type { PruneOptions } from './commands/cache.js';
import type { CompareOptions, DuplicatesOptions } from './commands/compare.js';
import type { StatusOptions, VerifyOptions } from './commands/inspect.js';
import type { ScanOptions } from './commands/scan.js';
import type { ServeOptions } from './commands/serve.js';
import type { SyncOptions } from './commands/sync.js';
import {
  collect,
  parseRating,
  parseSize,
  parseThreshold,
  port,
  positiveDays,
  positiveInteger,
} from './options.js';
import { createRunner, type Runner } from './runner.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The root command: before parsing a command line that may show or parse the options whose help
 * comes from the core (see optionsFromCore), it loads them.
 */
class Program extends Command {
  readonly #fromCore: ReturnType<typeof optionsFromCore>;

  constructor(fromCore: ReturnType<typeof optionsFromCore>) {
    super('photolala');
    this.#fromCore = fromCore;
  }

  override async parseAsync(argv?: readonly string[], options?: ParseOptions): Promise<this> {
    if (this.#fromCore.shownBy(argv ?? process.argv)) await this.#fromCore.load();
    return super.parseAsync(argv, options);
  }
}

/** The photolala command: its global options, and every subcommand with its help. */
export function buildProgram(onExit: (code: number) => void): Command {
  const fromCore = optionsFromCore();
  const program = new Program(fromCore)
    .description(
      'Catalog very large photo folders: local disks, S3 prefixes, SMB/WebDAV shares, Apple Photos libraries.',
    )
    .version(version)
    .addOption(
      new Option('--cache-dir <dir>', 'cache root for thumbnails, metadata and snapshot mirrors').env(
        'PHOTOLALA_CACHE_DIR',
      ),
    )
    .addOption(
      new Option(
        '--cache-max-size <size>',
        'keep thumbnails and metadata under SIZE (such as 5GB): a scan that made thumbnails then removes the least recently used, sparing roots opened in the last 90 days',
      )
        .env('PHOTOLALA_CACHE_MAX_SIZE')
        .argParser(parseSize),
    )
    .option(
      '--concurrency <n>',
      'images digested at once (default: one per core plus one locally, 8 remote)',
      positiveInteger,
    )
    .option(
      '--backend <scheme=module>',
      'use a third-party backend module for a URI scheme (repeatable)',
      collect,
    )
    .option('-q, --quiet', 'print nothing but results and errors')
    .option('-v, --verbose', 'explain where the catalog was loaded from; show stack traces on errors')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ photolala scan ~/Pictures
  $ photolala list ~/Pictures --starred --json
  $ photolala thumbnail ~/Pictures 2024/IMG_0001.JPG
  $ photolala cache prune --max-size 5GB
  $ photolala serve ~/Pictures --open

Exit codes: 0 success, 1 failure, 2 usage error, 3 scan finished but some files failed,
130 stopped by Ctrl-C (a scan saves what it has done).`,
    )
    .exitOverride();

  const run = createRunner(onExit);
  defineCatalogCommands(program, run, fromCore.kind);
  defineInspectCommands(program, run);
  defineCompareCommands(program, run, fromCore.threshold);
  defineCacheCommands(program, run);
  defineServeCommand(program, run);
  return program;
}

/**
 * The two options whose help comes from the core: the kinds `list --kind` accepts, and the default
 * threshold of `duplicates --similar`. Loading the core (sharp, SQLite) is what `--version` and
 * `--help` must not wait for, so they are filled in only for a command line that names list or
 * duplicates (`list ROOT`, `help list`, `duplicates --help`), which loads the core anyway. Neither
 * command has an alias, and commander takes no abbreviations, so no other command line shows them.
 */
function optionsFromCore() {
  const kind = new Option('--kind <kind>', 'only entries of this kind');
  const threshold = new Option('--threshold <bits>').argParser(parseThreshold);
  return {
    kind,
    threshold,
    shownBy: (argv: readonly string[]) => argv.includes('list') || argv.includes('duplicates'),
    async load() {
      const { DEFAULT_SIMILARITY_THRESHOLD, IMAGE_KINDS } = await import('@photolala/core');
      kind.choices([...IMAGE_KINDS, 'video', 'other']);
      threshold.description = `with --similar: most bits of the 64-bit hash two near-duplicates may differ by (default ${DEFAULT_SIMILARITY_THRESHOLD})`;
    },
  };
}

/** sync, scan, list, thumbnail, metadata, star and unstar: the commands that build and browse a catalog. */
function defineCatalogCommands(program: Command, run: Runner, kind: Option): void {
  program
    .command('sync')
    .description(
      'upload starred photos, their thumbnails and the catalog to the cloud layout; delete unstarred ones',
    )
    .argument('<root>', 'the catalogued root')
    .requiredOption('--to <s3-bucket>', 'the cloud bucket, s3://bucket')
    .requiredOption('--user <uuid>', 'the user id the cloud layout is keyed by')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nObjects: photos/{user}/{photo-md5}.{ext}, thumbnails/{user}/{photo-md5}.jpg, catalogs/{user}/.\nAn interrupted sync can be run again; it finishes the work without duplicating anything.\n\nExample:\n  $ photolala sync ~/Pictures --to s3://my-bucket --user 0b5f0a4e-5c1d-4b8e-9a57-3f6d2c1e9b70\n',
    )
    .action(async function (this: Command, root: string, opts: SyncOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('./commands/sync.js')).sync(out, globals, root, opts),
      );
    });

  program
    .command('scan')
    .description('build or update the catalog of ROOT, then publish a snapshot')
    .argument('<root>', 'a folder, file://, s3://, smb://, webdav(s):// URI or .photoslibrary')
    .option('--json', 'print one JSON object with the result on stdout')
    .option('--full', 're-read file heads and re-hash every photo, even when size and mtime are unchanged')
    .addHelpText(
      'after',
      '\nExamples:\n  $ photolala scan ~/Pictures/2024\n  $ photolala scan /mnt/nas/photos --json > result.json\n',
    )
    .action(async function (this: Command, root: string, opts: ScanOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('./commands/scan.js')).scan(out, globals, root, opts),
      );
    });

  program
    .command('list')
    .description('list the entries of the newest valid snapshot, without reading any photo')
    .argument('<root>', 'the catalogued root')
    .argument('[directory]', 'only entries under this folder (relative to the root)')
    .option('--json', 'print NDJSON: one JSON object per entry')
    .option('--starred', 'only starred entries')
    .addOption(kind)
    .option(
      '--all',
      'every file on its own line: a Live Photo, RAW+JPEG pair or edited copy is otherwise one line',
    )
    .addOption(
      new Option('--rating <n>', 'only photos of at least N stars in their XMP rating (4 or 4+)').argParser(
        parseRating,
      ),
    )
    .option('--keyword <word>', 'only photos with this XMP keyword (ignoring case)')
    .option(
      '--user <uuid>',
      'with ROOT s3://bucket: browse the catalog `photolala sync` uploaded for this user',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ photolala list ~/Pictures/2024 --starred\n  $ photolala list ~/Pictures/2024 --rating 4+ --keyword beach\n  $ photolala list ~/Pictures/2024 trips/rome --json | jq .path\n  $ photolala list s3://my-bucket --user 0b5f0a4e-5c1d-4b8e-9a57-3f6d2c1e9b70\n',
    )
    .action(async function (this: Command, root: string, directory: string | undefined, opts: ListOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('./commands/browse.js')).list(out, globals, root, directory, opts),
      );
    });

  program
    .command('thumbnail')
    .description('print the absolute path of the cached 256x256 thumbnail, making it if missing')
    .argument('<root>', 'the catalogued root')
    .argument('<id>', 'a relative path, fast-photo-key, photo-md5 or apple-photo-id')
    .option('--user <uuid>', 'with ROOT s3://bucket: fetch from the cloud copy of this user (photolala sync)')
    .addHelpText('after', '\nExample:\n  $ photolala thumbnail ~/Pictures/2024 trips/rome/IMG_0001.JPG\n')
    .action(async function (this: Command, root: string, id: string, opts: { user?: string }) {
      await run(this, false, async (out, globals) =>
        (await import('./commands/browse.js')).thumbnail(out, globals, root, id, opts),
      );
    });

  program
    .command('metadata')
    .description('print the absolute path of the metadata document (or its content with --print)')
    .argument('<root>', 'the catalogued root')
    .argument('<id>', 'a relative path, fast-photo-key, photo-md5 or apple-photo-id')
    .option('--print', 'print the document instead of its path')
    .option('--user <uuid>', 'with ROOT s3://bucket: read the cloud copy of this user (photolala sync)')
    .addHelpText('after', '\nExample:\n  $ photolala metadata ~/Pictures/2024 IMG_0001.JPG --print\n')
    .action(async function (
      this: Command,
      root: string,
      id: string,
      opts: { print?: boolean; user?: string },
    ) {
      await run(this, false, async (out, globals) =>
        (await import('./commands/browse.js')).metadata(out, globals, root, id, opts),
      );
    });

  for (const starred of [true, false]) {
    const name = starred ? 'star' : 'unstar';
    program
      .command(name)
      .description(`${starred ? 'star' : 'unstar'} entries and queue the change for cloud sync`)
      .argument('<root>', 'the catalogued root')
      .argument('<ids...>', 'relative paths, fast-photo-keys or photo-md5s')
      .addHelpText('after', `\nExample:\n  $ photolala ${name} ~/Pictures/2024 IMG_0001.JPG IMG_0002.JPG\n`)
      .action(async function (this: Command, root: string, ids: string[]) {
        await run(this, false, async (out, globals) =>
          (await import('./commands/stars.js')).setStars(out, globals, starred, root, ids),
        );
      });
  }
}

/** status, verify and snapshots: what state a catalog is in. */
function defineInspectCommands(program: Command, run: Runner): void {
  program
    .command('status')
    .description('show what a scan would change (added, removed, changed, moved); writes nothing')
    .argument('<root>', 'the catalogued root')
    .option('--json', 'print one JSON object')
    .option('--full', 're-read file heads even when size and mtime are unchanged')
    .addHelpText('after', '\nExample:\n  $ photolala status ~/Pictures/2024\n')
    .action(async function (this: Command, root: string, opts: StatusOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('./commands/inspect.js')).showStatus(out, globals, root, opts),
      );
    });

  program
    .command('verify')
    .description(
      "check both pointers, their snapshots' hashes, and every entry's cached thumbnail and metadata",
    )
    .argument('<root>', 'the catalogued root')
    .option('--json', 'print one JSON object')
    .option('--repair', 'regenerate missing thumbnails and metadata documents')
    .option(
      '--deep',
      're-read every photo and compare its MD5 with the catalog: report bytes that changed while size and mtime did not (possible corruption); the catalog is not changed',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ photolala verify ~/Pictures/2024 --repair\n  $ photolala verify /mnt/archive --deep\n',
    )
    .action(async function (this: Command, root: string, opts: VerifyOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('./commands/inspect.js')).verify(out, globals, root, opts),
      );
    });

  program
    .command('snapshots')
    .description('list the snapshots and pointers in the root and in the cache mirror')
    .argument('<root>', 'the catalogued root')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ photolala snapshots ~/Pictures/2024 --json\n')
    .action(async function (this: Command, root: string, opts: { json?: boolean }) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('./commands/inspect.js')).listSnapshots(out, globals, root),
      );
    });
}

/** compare and duplicates: questions answered across the catalogs of several roots. */
function defineCompareCommands(program: Command, run: Runner, threshold: Option): void {
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
        (await import('./commands/compare.js')).compare(out, globals, src, dests, opts),
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
        (await import('./commands/compare.js')).duplicates(out, globals, roots, opts),
      );
    });
}

/** cache info and cache prune: the cache of thumbnails and metadata that all roots share. */
function defineCacheCommands(program: Command, run: Runner): void {
  const cache = program
    .command('cache')
    .description('manage the cache of thumbnails and metadata shared by all roots');
  cache
    .command('info')
    .description('how much the cache holds, and how much of it recently opened roots use')
    .option('--json', 'print one JSON object')
    .action(async function (this: Command, opts: { json?: boolean }) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('./commands/cache.js')).cacheInfo(out, globals),
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
        (await import('./commands/cache.js')).cachePrune(out, globals, opts),
      );
    });
}

function defineServeCommand(program: Command, run: Runner): void {
  program
    .command('serve')
    .description('browse the catalogs of one or more roots in a web gallery on this machine')
    .argument('<roots...>', 'catalogued roots (a folder, s3://, smb://, webdav(s):// URI or .photoslibrary)')
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').default(7447).argParser(port))
    .option('--host <address>', 'address to listen on; anything but loopback needs --token', '127.0.0.1')
    .addOption(
      new Option('--token <secret>', 'the secret the browser must present (default: a new one per run)').env(
        'PHOTOLALA_SERVE_TOKEN',
      ),
    )
    .option('--open', 'open the gallery in the default browser')
    .option('--scan', 'scan the roots in the background; new photos appear as they are digested')
    .addHelpText(
      'after',
      '\nThe printed URL carries a per-run token that every change (a star) must present.\nCtrl-C stops the server and saves the stars.\n\nExamples:\n  $ photolala serve ~/Pictures --open\n  $ photolala serve ~/Pictures s3://my-bucket/photos --scan\n',
    )
    .action(async function (this: Command, roots: string[], opts: ServeOptions) {
      await run(this, false, async (out, globals) =>
        (await import('./commands/serve.js')).serve(out, globals, roots, opts),
      );
    });
}
