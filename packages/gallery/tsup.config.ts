import { defineConfig } from 'tsup';
import { baseTsupConfig } from '../../tsup.base';

export default defineConfig([
  {
    ...baseTsupConfig,
    entry: ['src/index.ts'],
    clean: false,
    // `photolala serve` loads the gallery before it listens: Hono and its Node adapter bundled in are
    // one module to load where there were some twenty to find, read and link.
    noExternal: ['hono', '@hono/node-server'],
  },
  // The web UI: one script and one stylesheet for the browser, served from dist/ui by the server.
  {
    entry: { app: 'src/ui/main.ts' },
    outDir: 'dist/ui',
    format: ['iife'],
    outExtension: () => ({ js: '.js' }),
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    dts: false,
    clean: true,
  },
]);
