import { spawn } from 'node:child_process';
import type { Catalog } from '@photolala/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Runner } from './commands.js';
import { closeRootCatalog, EXIT, openRootCatalog } from './context.js';
import type { Output } from './output.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

/** Opens the URL in the default browser; a machine without one gets a warning, not a failure. */
function openBrowser(url: string, out: Output) {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', (error) =>
    out.warn(`could not open a browser (${command}: ${error.message}); open the URL yourself`),
  );
  child.on('exit', (code) => {
    if (code !== 0)
      out.warn(`could not open a browser (${command} exited with ${code}); open the URL yourself`);
  });
  child.unref();
}

/** Resolves on the first Ctrl-C or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServeCommand(program: Command, run: Runner): void {
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
    .action(async function (
      this: Command,
      roots: string[],
      opts: { port: number; host: string; token?: string; open?: boolean; scan?: boolean },
    ) {
      await run(this, false, async (out, globals) => {
        if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host) && !opts.token) {
          out.error(`--host ${opts.host} lets other machines in: give a --token they must present`);
          return EXIT.usage;
        }
        const { startGallery } = await import('@photolala/gallery');
        const catalogs: Catalog[] = [];
        try {
          for (const root of roots)
            catalogs.push(
              await openRootCatalog(root, globals, out, { requireCatalog: !opts.scan, offline: !opts.scan }),
            );
          const gallery = await startGallery({
            catalogs,
            host: opts.host,
            port: opts.port,
            ...(opts.token ? { token: opts.token } : {}),
            ...(opts.scan ? { scan: true } : {}),
            onWarning: (message) => out.warn(message),
          });
          out.result(gallery.url);
          if (opts.open) openBrowser(gallery.url, out);
          await untilStopped();
          out.info('stopping: saving the catalogs');
          await gallery.close();
          return EXIT.ok;
        } finally {
          for (const catalog of catalogs) await closeRootCatalog(catalog, out);
        }
      });
    });
}
