import type { Options } from 'tsup';

/** The build every package spreads: ESM with declarations, for Node 20. */
export const baseTsupConfig: Options = {
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  // A package with several entries (core's main and testing) shares one copy of each module between
  // them: a bundled copy per entry would make two PhotolalaError classes, two caches of state.
  splitting: true,
  treeshake: true,
};
