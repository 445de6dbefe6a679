import type { Catalog } from '@photolala/core';
import { EXIT } from './exit-codes.js';
import type { Output } from './output.js';

/**
 * Ctrl-C and SIGTERM, handled alike for every command. The first signal stops the command at once: a
 * command that can stop cleanly (a scan saves what it has done, `serve` saves its catalogs) has asked
 * for it with `stopGracefully` and ends itself; any other command has nothing worth waiting for and
 * exits with 130 straight away. A second signal, or the first for those other commands, removes this
 * process's working databases (`Catalog.discard`) and exits with 130: no temp file is left in the
 * mirror, and what was published before, and the journal of stars, stay as they were.
 */

const openCatalogs = new Set<Catalog>();
let output: Output | undefined;
let graceful: { controller: AbortController; message: string; onStop: () => void } | undefined;
let signals = 0;
let installed = false;

/** Listens for SIGINT and SIGTERM, once per process. */
export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Where the handler's messages go: the running command's output. */
export function reportInterruptsTo(out: Output): void {
  output = out;
}

/** A catalog to discard should the process be stopped before it is closed. */
export function trackCatalog(catalog: Catalog): void {
  openCatalogs.add(catalog);
}

/** The catalog is closed: nothing of it is left to discard. */
export function forgetCatalog(catalog: Catalog): void {
  openCatalogs.delete(catalog);
}

/**
 * Lets the first signal stop the running command cleanly instead of ending the process: `message`
 * is shown, `onStop` runs (to take a progress bar down), and `signal` aborts. `release` when done.
 */
export function stopGracefully(
  message: string,
  onStop: () => void = () => {},
): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const entry = { controller, message, onStop };
  graceful = entry;
  return {
    signal: controller.signal,
    release: () => {
      if (graceful === entry) graceful = undefined;
    },
  };
}

function onSignal(): void {
  signals++;
  if (signals === 1 && graceful && !graceful.controller.signal.aborted) {
    graceful.onStop();
    output?.warn(graceful.message);
    graceful.controller.abort();
    return;
  }
  if (signals === 1) output?.warn('interrupted');
  exitNow();
}

function exitNow(): never {
  for (const catalog of openCatalogs) {
    try {
      catalog.discard();
    } catch {
      // Exiting regardless: the next open removes what could not be removed now.
    }
  }
  process.exit(EXIT.interrupted);
}
