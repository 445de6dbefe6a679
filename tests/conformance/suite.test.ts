import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import type { EnumerateOptions, RootSource } from '@photolala/core';
import { type ConformanceFile, runRootSourceConformance } from '@photolala/core/testing';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../support/fs.js';

/** The suite's tests by name, to run one by hand against a source that breaks a rule. */
function suiteFor(wrap: (source: RootSource) => RootSource): Map<string, () => Promise<void>> {
  const tests = new Map<string, () => Promise<void>>();
  runRootSourceConformance({
    name: 'broken',
    test: (name, fn) => tests.set(name.replace(/^broken conformance: /, ''), fn),
    createSource: async (files: ConformanceFile[]) => {
      const root = await tempDir('conformance-broken');
      for (const file of files) {
        const full = path.join(root, ...file.path.split('/'));
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, file.data);
      }
      return {
        source: wrap(await createLocalSource({ root })),
        dispose: () => rm(root, { recursive: true, force: true }),
      };
    },
  });
  return tests;
}

const listingAs = (rename: (path: string) => string) => (local: RootSource) =>
  Object.assign(Object.create(local) as RootSource, {
    async *enumerate(options?: EnumerateOptions) {
      for await (const entry of local.enumerate(options)) yield { ...entry, path: rename(entry.path) };
    },
  });

describe('the conformance suite catches a backend that breaks the path rules', () => {
  const name = 'enumerate yields every file once with size and NFC "/" path';

  test('a correct source passes', async () => {
    await expect(suiteFor((source) => source).get(name)!()).resolves.toBeUndefined();
  });

  test('paths with a "./" prefix, in NFD, or with a doubled slash fail, saying which', async () => {
    // Which file comes first depends on the listing order; the message names it and the rule.
    const cases: [(path: string) => string, RegExp][] = [
      [(p) => `./${p}`, /invalid path "\.\/[^"]+": "\." segment/],
      [
        (p) => p.normalize('NFD'),
        /"unicode\/Cafe\u0301 Mu\u0308nchen\.jpg": not in NFC, or not a valid relative path/,
      ],
      [(p) => p.replace('/', '//'), /invalid path "[^"]*\/\/[^"]*": empty segment/],
    ];
    for (const [rename, message] of cases) {
      const run = suiteFor(listingAs(rename)).get(name)!;
      await expect(run(), rename.toString()).rejects.toThrow(message);
    }
  });
});

describe('the conformance suite reads what it checks from the source', () => {
  const name = "writeAtomicFromFile, where present, writes a local file's exact bytes";
  const silent = (local: RootSource) =>
    Object.assign(Object.create(local) as RootSource, {
      writeAtomicFromFile: (path: string, localFile: string) => local.writeAtomicFromFile!(path, localFile),
    });

  test('a writeAtomicFromFile that never reports its bytes fails, with no option passed', async () => {
    await expect(suiteFor((source) => source).get(name)!()).resolves.toBeUndefined();
    await expect(suiteFor(silent).get(name)!()).rejects.toThrow(/onBytes was never called/);
  });
});

describe("the conformance suite checks a listing's batches against its iteration", () => {
  const name = "enumerate's batches, where offered, hold what its iteration yields, heads included";
  /** The local source, whose batches leave out the first entry of the first folder with two or more. */
  const losingOne = (local: RootSource) =>
    Object.assign(Object.create(local) as RootSource, {
      enumerate(options?: EnumerateOptions) {
        const listing = local.enumerate(options);
        return {
          [Symbol.asyncIterator]: () => listing[Symbol.asyncIterator](),
          async *batches() {
            let lost = false;
            for await (const batch of listing.batches!()) {
              if (!lost && batch.length > 1) {
                lost = true;
                yield batch.slice(1);
              } else yield batch;
            }
          },
        };
      },
    });

  test('the local source passes, and batches missing an entry fail', async () => {
    await expect(suiteFor((source) => source).get(name)!()).resolves.toBeUndefined();
    await expect(suiteFor(losingOne).get(name)!()).rejects.toThrow(
      /Expected values to be strictly deep-equal/,
    );
  });
});
