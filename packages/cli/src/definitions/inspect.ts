import type { Command } from 'commander';
import type { StatusOptions, VerifyOptions } from '../commands/inspect.js';
import type { Runner } from '../runner.js';

/** status, verify and snapshots: what state a catalog is in. */
export function defineInspectCommands(program: Command, run: Runner): void {
  program
    .command('status')
    .description('show what a scan would change (added, removed, changed, moved); writes nothing')
    .argument('<root>', 'the catalogued root')
    .option('--json', 'print one JSON object')
    .option('--full', 're-read file heads even when size and mtime are unchanged')
    .addHelpText('after', '\nExample:\n  $ photolala status ~/Pictures/2024\n')
    .action(async function (this: Command, root: string, opts: StatusOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('../commands/inspect.js')).showStatus(out, globals, root, opts),
      );
    });

  program
    .command('verify')
    .description(
      "check both pointers, their snapshots' hashes, and every entry's cached thumbnail and metadata",
    )
    .argument('<root>', 'the catalogued root')
    .option('--json', 'print one JSON object')
    .option('--repair', 'regenerate missing or damaged thumbnails and missing metadata documents')
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
        (await import('../commands/inspect.js')).verify(out, globals, root, opts),
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
        (await import('../commands/inspect.js')).listSnapshots(out, globals, root),
      );
    });
}
