import type { Options } from 'tsup';

/** The build every package spreads: ESM with declarations, for Node 20. */
export const baseTsupConfig: Options = {
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
};
