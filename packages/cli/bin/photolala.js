#!/usr/bin/env node
import module from 'node:module';

// Node 22.1 and later keep the CLI's compiled code between runs, which shortens every start-up;
// Node 20 has no such cache. Enabled before the CLI is imported, hence the dynamic import.
module.enableCompileCache?.();
const { main } = await import('../dist/main.js');

process.exitCode = await main(process.argv);
