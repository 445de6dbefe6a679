import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
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

/** Hosts that bind every interface: no one address in them reaches the server from elsewhere. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);
/** Shorter tokens are warned about: the server answers every guess, as fast as a network allows. */
const MIN_TOKEN_LENGTH = 16;

/**
 * The URLs that reach a gallery bound to `host`: its own URL, or for a wildcard host the machine's
 * own addresses (IPv4, and IPv6 too when bound to `::`), since `http://0.0.0.0:PORT` reaches
 * nothing from another machine.
 */
function servedUrls(
  gallery: { url: string; port: number; token: string },
  host: string,
  galleryUrl: (host: string, port: number, token: string) => string,
): string[] {
  if (!WILDCARD_HOSTS.has(host)) return [gallery.url];
  const urls = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && (a.family === 'IPv4' || host === '::'))
    .map((a) => galleryUrl(a!.address, gallery.port, gallery.token));
  // A machine with no network but loopback is still served on it.
  return urls.length > 0 ? urls : [galleryUrl('127.0.0.1', gallery.port, gallery.token)];
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
  if (opts.token !== undefined && opts.token.length < MIN_TOKEN_LENGTH)
    out.warn(
      `--token is ${opts.token.length} characters long, easy to guess: use at least ${MIN_TOKEN_LENGTH} random ones (\`openssl rand -hex 16\`)`,
    );
  // The gallery's modules load while the catalogs open: each waits on files the other does not.
  const loading = import('@photolala/gallery');
  loading.catch(() => undefined); // awaited below, unless a catalog fails to open first
  const catalogs: Catalog[] = [];
  try {
    for (const root of roots) {
      const catalog = await openRootCatalog(root, globals, out, {
        requireCatalog: !opts.scan,
        orInstead: 'or serve it with --scan to catalog it while the gallery is open',
        offline: !opts.scan,
        // A root that is not there is said so now, by the name typed, as `scan` says it.
        ...(opts.scan ? { requireRoot: true } : {}),
      });
      // The same root spelled twice (`a` and `./a/`) would show every photo twice, and a star made
      // through one copy could be undone by the other's save.
      const same = catalogs.find((c) => c.rootUri === catalog.rootUri);
      if (same) {
        out.warn(`${root} is ${catalog.rootUri}, given already: serving it once`);
        await closeRootCatalog(catalog, out);
      } else catalogs.push(catalog);
    }
    const { galleryUrl, startGallery } = await loading;
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
    const [url, ...others] = servedUrls(gallery, opts.host, galleryUrl);
    out.result(url!);
    for (const other of others) out.info(`also at ${other}`);
    if (opts.open) openBrowser(url!, out);
    await stop.stopped;
    await gallery.close();
  } finally {
    for (const catalog of catalogs) await closeRootCatalog(catalog, out);
  }
  // Stopped by Ctrl-C or SIGTERM, as `--help` says, once the catalogs (and their stars) are saved.
  return EXIT.interrupted;
}
