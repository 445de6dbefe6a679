import { spawn } from 'node:child_process';
import type { Catalog } from '@photolala/core';
import { closeRootCatalog, openRootCatalog } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { stopGracefully } from '../interrupt.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';

export interface ServeOptions {
  port: number;
  host: string;
  token?: string;
  open?: boolean;
  scan?: boolean;
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

/**
 * The first Ctrl-C or SIGTERM: `stopped` resolves and `signal` stops a background scan, which saves what
 * it has done; a second one quits without saving (see interrupt.ts).
 */
function stopOnSignal(): { signal: AbortSignal; stopped: Promise<void> } {
  const stop = stopGracefully('stopping: saving the catalogs; press Ctrl-C again to quit now without saving');
  const stopped = new Promise<void>((resolve) => {
    stop.signal.addEventListener('abort', () => {
      stop.release();
      resolve();
    });
  });
  return { signal: stop.signal, stopped };
}

/** `photolala serve ROOTS...`: the web gallery over the roots' catalogs, until Ctrl-C. */
export async function serve(
  out: Output,
  globals: GlobalOptions,
  roots: string[],
  opts: ServeOptions,
): Promise<number> {
  if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host) && !opts.token) {
    out.error(`--host ${opts.host} lets other machines in: give a --token they must present`);
    return EXIT.usage;
  }
  // The gallery's modules load while the catalogs open: each waits on files the other does not.
  const loading = import('@photolala/gallery');
  loading.catch(() => undefined); // awaited below, unless a catalog fails to open first
  const catalogs: Catalog[] = [];
  try {
    for (const root of roots) {
      const catalog = await openRootCatalog(root, globals, out, {
        requireCatalog: !opts.scan,
        offline: !opts.scan,
      });
      // The same root spelled twice (`a` and `./a/`) would show every photo twice, and a star made
      // through one copy could be undone by the other's save.
      const same = catalogs.find((c) => c.rootUri === catalog.rootUri);
      if (same) {
        out.warn(`${root} is ${catalog.rootUri}, given already: serving it once`);
        await closeRootCatalog(catalog, out);
      } else catalogs.push(catalog);
    }
    const { startGallery } = await loading;
    const stop = stopOnSignal();
    let gallery: Awaited<ReturnType<typeof startGallery>>;
    try {
      gallery = await startGallery({
        catalogs,
        host: opts.host,
        port: opts.port,
        ...(opts.token ? { token: opts.token } : {}),
        ...(opts.scan ? { scan: true } : {}),
        signal: stop.signal,
        onWarning: (message) => out.warn(message),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      out.error(
        `port ${opts.port} on ${opts.host} is in use: give another with --port, or --port 0 for any free one`,
      );
      return EXIT.failure;
    }
    out.result(gallery.url);
    if (opts.open) openBrowser(gallery.url, out);
    await stop.stopped;
    await gallery.close();
  } finally {
    for (const catalog of catalogs) await closeRootCatalog(catalog, out);
  }
  // Stopped by Ctrl-C or SIGTERM, as `--help` says, once the catalogs (and their stars) are saved.
  return EXIT.interrupted;
}
