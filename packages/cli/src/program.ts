import { readFileSync } from 'node:fs';
import { Command, Option, type ParseOptions } from 'commander';
import { defineCacheCommands } from './definitions/cache.js';
import { defineCatalogCommands } from './definitions/catalog.js';
import { defineCompareCommands } from './definitions/compare.js';
import { defineInspectCommands } from './definitions/inspect.js';
import { defineServeCommand } from './definitions/serve.js';
import { collect, parseSize, parseThreshold, positiveInteger } from './options.js';
import { rootKinds } from './root-help.js';
import { createRunner } from './runner.js';

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

/**
 * The photolala command: its global options and help, and every subcommand, each group defined with
 * its arguments, options and help in `definitions/` (their work is imported only when one runs).
 */
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

Roots: ${rootKinds()}.

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
