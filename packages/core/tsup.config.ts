import { defineConfig } from 'tsup';
import { baseTsupConfig } from '../../tsup.base';

export default defineConfig({
  ...baseTsupConfig,
  entry: {
    index: 'src/index.ts',
    backend: 'src/backend.ts',
    internals: 'src/internals.ts',
    'testing/index': 'src/testing/index.ts',
  },
});
