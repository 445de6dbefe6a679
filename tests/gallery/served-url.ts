import type { startCli } from '../cli/run-cli.js';

/** Resolves with the URL `serve` prints once it listens. */
export async function servedUrl(cli: ReturnType<typeof startCli>): Promise<string> {
  for (;;) {
    const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}/.exec(cli.output.stdout);
    if (match) return match[0];
    if (cli.child.exitCode !== null) throw new Error(`serve exited: ${cli.output.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
