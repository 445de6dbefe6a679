import { rm } from 'node:fs/promises';
import { runRootSourceConformance, writeTempTree } from '@photolala/core/testing';
import { test } from 'vitest';
import { createLocalSource } from '../src/index.js';

for (const readOnly of [false, true]) {
  runRootSourceConformance({
    name: readOnly ? 'local (read-only)' : 'local',
    test,
    createSource: async (files) => {
      const root = await writeTempTree(files, 'photolala-local-');
      return {
        source: await createLocalSource({ root, readOnly }),
        dispose: () => rm(root, { recursive: true, force: true }),
      };
    },
  });
}
