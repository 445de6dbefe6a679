import { runRootSourceConformance } from '@photolala/core/testing';
import { expect, test } from 'vitest';
import { CONFORMANCE_SERVERS, useWebdavRoots } from './roots.js';

const roots = useWebdavRoots();

for (const setup of CONFORMANCE_SERVERS) {
  runRootSourceConformance({
    name: `webdav (${setup.name})`,
    test,
    timeoutMs: 60_000,
    features: setup.quirks,
    createSource: async (files) => {
      const root = await roots.create(files, setup);
      // The source finds out at open whether the server enforces If-Match.
      expect(typeof root.source.writeIfUnchanged === 'function').toBe(setup.conditional);
      return root;
    },
  });
}
