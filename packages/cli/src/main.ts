import { CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { installInterruptHandlers } from './interrupt.js';
import { buildProgram } from './program.js';

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
  installInterruptHandlers();
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
