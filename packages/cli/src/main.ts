import { readFileSync } from 'node:fs';
import { describeError, isPhotolalaError, ROOT_URI_ERROR_BACKEND } from '@photolala/core';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseSize, registerCacheCommand } from './cache-quota.js';
import { type Runner, registerCommands } from './commands.js';
import { registerCompareCommands } from './compare-commands.js';
import { afterRun, EXIT, type GlobalOptions, outputFor } from './context.js';
import { colorEnabled } from './output.js';
import { registerServeCommand } from './serve.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new InvalidArgumentError('expected a whole number from 1 to 256');
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildProgram(onExit: (code: number) => void): Command {
  const program = new Command('photolala')
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

  const run: Runner = async (command, json, action) => {
    const globals = command.optsWithGlobals() as GlobalOptions;
    const out = outputFor(globals, json, colorEnabled(globals.color, process.env, process.stderr));
    try {
      onExit(await action(out, globals));
    } catch (error) {
      if (isPhotolalaError(error) && error.code !== 'IO') out.error(describeError(error, { code: false }));
      else out.error(describeError(error));
      if (globals.verbose && error instanceof Error && error.stack) out.stack(error.stack);
      // A ROOT that is no valid root is a usage error, as the help says.
      onExit(isPhotolalaError(error) && error.backend === ROOT_URI_ERROR_BACKEND ? EXIT.usage : EXIT.failure);
    } finally {
      for (const cleanup of afterRun.splice(0)) cleanup();
    }
  };
  registerCommands(program, run);
  registerCompareCommands(program, run);
  registerCacheCommand(program, run);
  registerServeCommand(program, run);
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // The AWS SDK warns on Node 20 that its future releases will need Node 22, in 9 lines on every S3
  // command, even with -q: it is about the SDK this CLI ships, which a user cannot act on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // `photolala list ROOT | head`: the reader went away, which is not an error of ours.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    throw error;
  });
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    throw error;
  }
  return code;
}
