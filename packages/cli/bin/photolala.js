#!/usr/bin/env node
import module from 'node:module';

// `photolala --version` alone is answered here, as commander would answer it, without loading the
// CLI: parsing commander and building every command's definition was most of its start-up.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  // Node 22.1 and later keep the CLI's compiled code between runs, which shortens every start-up;
  // Node 20 has no such cache. Enabled before the CLI is imported, hence the dynamic import.
  module.enableCompileCache?.();
  const { main } = await import('../dist/main.js');
  process.exitCode = await main(process.argv);
}
