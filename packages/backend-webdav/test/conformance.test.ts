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
      // Offered by every writable source: a server that ignores If-Match is found out by the first
      // conditional write, which is then checked by a stat first (see writeCheckedFirst).
      expect(root.source.writeIfUnchanged).toBeTypeOf('function');
      return root;
    },
  });
}
