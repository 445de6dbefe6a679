import { defineConfig } from 'tsup';
import { baseTsupConfig } from '../../tsup.base';

export default defineConfig({
  ...baseTsupConfig,
  entry: ['src/index.ts', 'src/main.ts'],
  // Every command pays the CLI's start-up: commander and bytes, both CommonJS, are bundled in, so that
  // Node neither resolves them through node_modules nor scans them for exports on each run.
  noExternal: ['commander', 'bytes'],
  // The CommonJS code bundled in requires Node's built-in modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
});
