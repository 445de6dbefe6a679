import { type Command, Option } from 'commander';
import type { ServeOptions } from '../commands/serve.js';
import { port } from '../options.js';
import { rootKinds } from '../root-help.js';
import type { Runner } from '../runner.js';

/** serve: the web gallery over the catalogs of one or more roots. */
export function defineServeCommand(program: Command, run: Runner): void {
  program
    .command('serve')
    .description('browse the catalogs of one or more roots in a web gallery on this machine')
    .argument('<roots...>', `catalogued roots: each ${rootKinds()}`)
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
        (await import('../commands/serve.js')).serve(out, globals, roots, opts),
      );
    });
}
