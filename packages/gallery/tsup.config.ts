import { defineConfig } from 'tsup';
import { baseTsupConfig } from '../../tsup.base';

export default defineConfig([
  { ...baseTsupConfig, entry: ['src/index.ts'], clean: false },
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
