// Runs the published conformance suite outside any test runner: collects its tests, runs each, and
// prints {passed, failed: [{name, message}]} as JSON.
import { rm } from 'node:fs/promises';
import { createLocalSource } from '@photolala/backend-local';
import { runRootSourceConformance, writeTempTree } from '@photolala/core/testing';
import { createMemorySource } from './memory-source.mjs';

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
runRootSourceConformance({
  name: 'published local',
  test,
  createSource: async (files) => {
    const root = await writeTempTree(files, 'photolala-packaged-');
    return {
      source: await createLocalSource({ root }),
      dispose: () => rm(root, { recursive: true, force: true }),
    };
  },
});
runRootSourceConformance({
  name: 'memory',
  test,
  createSource: async (files) => ({ source: createMemorySource(files) }),
});

const result = { passed: 0, failed: [] };
for (const { name, fn } of tests) {
  try {
    await fn();
    result.passed++;
  } catch (error) {
    result.failed.push({ name, message: String(error?.message ?? error).split('\n')[0] });
  }
}
process.stdout.write(`${JSON.stringify(result)}\n`);
