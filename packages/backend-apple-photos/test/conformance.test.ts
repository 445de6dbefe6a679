import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runRootSourceConformance } from '@photolala/core/testing';
import { test } from 'vitest';
import { createApplePhotosSource } from '../src/index.js';
import { conformanceLibrary } from './library-builder.js';

// A real library (Photos.sqlite and originals) made of the suite's files; its paths are the
// library's own, `originals/{digit}/{UUID}.{ext}`, which `pathOf` maps the suite's paths to.
runRootSourceConformance({
  name: 'apple-photos',
  test,
  createSource: async (files) => {
    const parent = await mkdtemp(path.join(tmpdir(), 'photolala-apple-conformance-'));
    const { bundle, pathOf } = conformanceLibrary(parent, files);
    return {
      source: await createApplePhotosSource({ library: bundle }),
      pathOf,
      dispose: () => rm(parent, { recursive: true, force: true }),
    };
  },
});
