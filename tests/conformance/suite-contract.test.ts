import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type EnumerateOptions, PhotolalaError, type RootSource, type SourceEntry } from '@photolala/core';
import { type ConformanceFile, runRootSourceConformance } from '@photolala/core/testing';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../support/fs.js';

/**
 * The suite's tests by name, to run one by hand against a source that breaks a rule. The test
 * function ignores the timeout, as node:test does with a third argument: the suite must keep it.
 */
function suiteFor(wrap: (source: RootSource) => RootSource, timeoutMs?: number) {
  const tests = new Map<string, () => Promise<void>>();
  runRootSourceConformance({
    name: 'broken',
    test: (name, fn) => tests.set(name.replace(/^broken conformance: /, ''), fn),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
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

const altered = (local: RootSource, changes: Partial<RootSource>) =>
  Object.assign(Object.create(local) as RootSource, changes);

/** Runs one test of the suite against `wrap`'s source and of the plain local one, which passes. */
async function verdicts(name: string, wrap: (source: RootSource) => RootSource, timeoutMs?: number) {
  const good = suiteFor((source) => source).get(name);
  const bad = suiteFor(wrap, timeoutMs).get(name);
  expect(good, `no test named ${name}`).toBeDefined();
  await expect(good!()).resolves.toBeUndefined();
  return bad!();
}

describe('the conformance suite enforces its timeout itself', () => {
  test('a stalled readHead fails the test, naming it and the call, though the runner ignores timeouts', async () => {
    const stalled = (local: RootSource) => altered(local, { readHead: () => new Promise<Buffer>(() => {}) });
    const started = Date.now();
    await expect(
      suiteFor(stalled, 2000).get('readHead returns exact bytes below, at and above the head size')!(),
    ).rejects.toThrow(
      /^broken conformance: readHead returns exact bytes below, at and above the head size: timed out after 2000 ms waiting for readHead\("[^"]+"\)/,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('a stream that never ends is named as the stream readAll returned', async () => {
    const { PassThrough } = await import('node:stream');
    const endless = (local: RootSource) => altered(local, { readAll: async () => new PassThrough() });
    await expect(
      suiteFor(endless, 2000).get('readAll returns exact bytes, including for empty files')!(),
    ).rejects.toThrow(/waiting for reading the stream readAll\("[^"]+"\) returned/);
  });
});

describe('the conformance suite checks etags where a source claims them', () => {
  const claiming = (local: RootSource, etagOf: (entry: SourceEntry) => string | undefined) => {
    const tagged = (entry: SourceEntry): SourceEntry => {
      const etag = etagOf(entry);
      return etag === undefined ? { ...entry } : { ...entry, etag };
    };
    return altered(local, {
      capabilities: { ...local.capabilities, etags: true },
      async *enumerate(options?: EnumerateOptions) {
        for await (const entry of local.enumerate(options)) yield tagged(entry);
      },
      stat: async (file: string) => {
        const entry = await local.stat!(file);
        return entry && tagged(entry);
      },
    });
  };

  test('entries without an etag fail', async () => {
    await expect(
      verdicts('etags, where the source claims them, are on every listed and stat-ed entry', (local) =>
        claiming(local, () => undefined),
      ),
    ).rejects.toThrow(/capabilities\.etags is true but \S+ was listed without an etag/);
  });

  test('an etag that stays the same when new bytes of the same size are written fails', async () => {
    await expect(
      verdicts(
        'etags, where claimed and writable, change when new bytes of the same size are written',
        (local) => claiming(local, (entry) => `size-${entry.size}`),
      ),
    ).rejects.toThrow(/the etag stayed the same though the bytes changed/);
  });
});

describe('the conformance suite checks what enumerate and stat promise', () => {
  const listing = 'enumerate without a filter lists hidden files and folders, and no temp file unless asked';

  test('a source that lists temp files unasked fails', async () => {
    const listingTemps = (local: RootSource) =>
      altered(local, {
        enumerate: (options?: EnumerateOptions) => local.enumerate({ ...options, tempFiles: true }),
      });
    await expect(verdicts(listing, listingTemps)).rejects.toThrow(/\.photolala-tmp-/);
  });

  test('a source that leaves dot-files out when given no filter fails', async () => {
    const skippingDots = (local: RootSource) =>
      altered(local, {
        async *enumerate(options?: EnumerateOptions) {
          for await (const entry of local.enumerate(options))
            if (!entry.path.split('/').some((part) => part.startsWith('.'))) yield entry;
        },
      });
    await expect(verdicts(listing, skippingDots)).rejects.toThrow(/enumerate\(\) without options/);
  });

  test('a stat that answers an entry for a folder fails', async () => {
    const statingFolders = (local: RootSource) =>
      altered(local, {
        stat: async (file: string) => (await local.stat!(file)) ?? { path: file, size: 0, mtimeMs: 1 },
      });
    await expect(
      verdicts('stat, where present, answers undefined for a folder', statingFolders),
    ).rejects.toThrow(/stat\("a"\) of a folder/);
  });

  test('an error that names another backend fails', async () => {
    const misnamed = (local: RootSource) =>
      altered(local, {
        readHead: async (file: string, bytes: number) => {
          try {
            return await local.readHead(file, bytes);
          } catch (error) {
            if (!(error instanceof PhotolalaError)) throw error;
            throw new PhotolalaError(error.code, error.message, { backend: 'somethingelse', path: file });
          }
        },
      });
    await expect(verdicts('missing files raise NOT_FOUND', misnamed)).rejects.toThrow(
      /names another backend/,
    );
  });
});
