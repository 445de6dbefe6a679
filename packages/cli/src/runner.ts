import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';
import { reportInterruptsTo } from './interrupt.js';
import type { GlobalOptions } from './options.js';
import { colorEnabled, Output } from './output.js';

/** What a command does, given where to print and the global options; resolves to its exit code. */
export type Action = (out: Output, globals: GlobalOptions) => Promise<number>;
/** Runs a command's action: prints its error, if any, and hands its exit code on. */
export type Runner = (command: Command, json: boolean, action: Action) => Promise<void>;

/** Clean-ups (cloud clients) to run once the command has finished. */
export const afterRun: (() => void)[] = [];

export function outputFor(globals: GlobalOptions, json: boolean, color: boolean): Output {
  return new Output({ quiet: globals.quiet ?? false, verbose: globals.verbose ?? false, color, json });
}

/** The runner of every command: an error becomes a message and exit code 1 (2 for a bad ROOT). */
export function createRunner(onExit: (code: number) => void): Runner {
  return async (command, json, action) => {
    const globals = command.optsWithGlobals() as GlobalOptions;
    const out = outputFor(globals, json, colorEnabled(globals.color, process.env, process.stderr));
    reportInterruptsTo(out);
    try {
      onExit(await action(out, globals));
    } catch (error) {
      // Loaded only now, so that `--version` and `--help` load no core: the core's small entry, which
      // loads even when the rest of it (sharp, SQLite) could not.
      const { describeError, isPhotolalaError, ROOT_URI_ERROR_BACKEND } = await import(
        '@photolala/core/backend'
      );
      // Every line of the message: a server's reason or a cause is often on the second.
      const code = !isPhotolalaError(error) || error.code === 'IO';
      out.error(describeError(error, { code, allLines: true }));
      if (globals.verbose && error instanceof Error && error.stack) out.stack(error.stack);
      // A ROOT that is no valid root is a usage error, as the help says.
      onExit(isPhotolalaError(error) && error.backend === ROOT_URI_ERROR_BACKEND ? EXIT.usage : EXIT.failure);
    } finally {
      for (const cleanup of afterRun.splice(0)) cleanup();
    }
  };
}
