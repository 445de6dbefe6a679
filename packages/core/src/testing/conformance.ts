import type { RootSource } from '../source/root-source.js';
import type { ConformanceFile, DefineTest, SourceUnderTest } from './conformance-data.js';
import { defineReadTests } from './conformance-reads.js';
import { PendingCalls, watchedSource, withinTimeout } from './conformance-watch.js';
import { defineWriteTests } from './conformance-writes.js';

export type { ConformanceFile, SourceUnderTest } from './conformance-data.js';

/** vitest's `test`/`it`, node:test's `test`, or anything with the same shape. */
export type TestFunction = (name: string, fn: () => Promise<void>, timeout?: number) => unknown;

/**
 * Creates a fresh source whose root holds exactly `files`; `dispose` cleans it up. A store whose
 * paths are its own (an Apple Photos library) builds its fixture from the files and says with
 * `pathOf` where each one is listed.
 */
export type ConformanceSourceFactory = (
  files: ConformanceFile[],
) => Promise<SourceUnderTest & { dispose?: () => Promise<void> }>;

/** What `runRootSourceConformance` tests, and with which test runner. */
export interface ConformanceOptions {
  /** Prefix for test names, e.g. the backend name. */
  name: string;
  test: TestFunction;
  createSource: ConformanceSourceFactory;
  /**
   * What the store's server does that no source can say of itself; all default to true. What the
   * source can do is read from the source: `capabilities.writable` and `removable` (the write and
   * remove tests check that a read-only source offers no way to write), and which optional methods
   * it has (`writeAtomicFromFile`, `writeIfUnchanged`, `stat`), each tested where present.
   * `atomicReplace: false` is for stores whose server replaces a file by delete-then-rename (many
   * WebDAV servers' MOVE with overwrite): a concurrent reader may then briefly get NOT_FOUND, but
   * still never a mix of old and new bytes. `readsDuringReplace: false` skips the concurrent-reader
   * test altogether, for a server known to serve torn reads while a file is replaced (say so in your
   * README: callers must verify content).
   */
  features?: {
    /** @deprecated Ignored: read from `source.capabilities.writable`. */
    writeAtomic?: boolean;
    /** @deprecated Ignored: read from `source.capabilities.removable`. */
    remove?: boolean;
    atomicReplace?: boolean;
    readsDuringReplace?: boolean;
    /**
     * @deprecated Not needed: where `writeAtomicFromFile` is present, the suite checks that it
     * reports its bytes through `onBytes`, climbing to the file's size, as the contract says.
     * `false` lets a source that never calls `onBytes` pass, as every source did up to core 0.1.
     */
    writeProgress?: boolean;
  };
  /**
   * Per-test timeout in ms (remote stores may want more); default 30 s. The suite enforces it itself,
   * whatever the runner: a test that takes longer fails with a message naming the test and the call
   * of the source it was waiting for. The runner's own timeout (vitest's) is set a little longer.
   */
  timeoutMs?: number;
}

const inNfc = (path: string) => path.normalize('NFC');

/** How much longer than the suite's own timeout the runner's is, so that the suite's message wins. */
const RUNNER_MARGIN_MS = 5_000;

/**
 * Registers the `RootSource` conformance tests. A backend's test file calls this once:
 *
 * ```ts
 * runRootSourceConformance({ name: 'local', test, createSource: async (files) => ({ source: ... }) });
 * ```
 */
export function runRootSourceConformance(options: ConformanceOptions): void {
  const { name, test, createSource } = options;
  const timeout = options.timeoutMs ?? 30_000;

  const withSource = async (
    title: string,
    files: ConformanceFile[],
    body: (source: RootSource, pathOf: (path: string) => string) => Promise<void>,
  ) => {
    const pending = new PendingCalls();
    let made: (SourceUnderTest & { dispose?: () => Promise<void> }) | undefined;
    const run = async () => {
      made = await pending.during('createSource', () => createSource(files));
      const source = watchedSource(made.source, pending);
      try {
        await body(source, made.pathOf ?? inNfc);
      } finally {
        await source.close?.();
        await pending.during('dispose', async () => made?.dispose?.());
      }
    };
    let finished = false;
    const running = run().finally(() => {
      finished = true;
    });
    try {
      await withinTimeout(title, timeout, pending, running);
    } catch (error) {
      // A stalled test's source is still cleaned up, without waiting for it (it may stall again).
      if (!finished) void Promise.resolve(made?.dispose?.()).catch(() => {});
      throw error;
    }
  };
  const def: DefineTest = (title, files, body) => {
    const fullTitle = `${name} conformance: ${title}`;
    test(fullTitle, () => withSource(fullTitle, files(), body), timeout + RUNNER_MARGIN_MS);
  };

  defineReadTests(def);
  defineWriteTests(def, {
    atomicReplace: options.features?.atomicReplace ?? true,
    readsDuringReplace: options.features?.readsDuringReplace ?? true,
    writeProgress: options.features?.writeProgress ?? true,
  });
}
