import type { RootSource } from '../source/root-source.js';
import type { ConformanceFile, DefineTest, SourceUnderTest } from './conformance-data.js';
import { defineReadTests } from './conformance-reads.js';
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
  /** Per-test timeout in ms (remote stores may want more). */
  timeoutMs?: number;
}

const inNfc = (path: string) => path.normalize('NFC');

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
    files: ConformanceFile[],
    body: (source: RootSource, pathOf: (path: string) => string) => Promise<void>,
  ) => {
    const { source, dispose, pathOf = inNfc } = await createSource(files);
    try {
      await body(source, pathOf);
    } finally {
      await source.close?.();
      await dispose?.();
    }
  };
  const def: DefineTest = (title, files, body) =>
    test(`${name} conformance: ${title}`, () => withSource(files(), body), timeout);

  defineReadTests(def);
  defineWriteTests(def, {
    atomicReplace: options.features?.atomicReplace ?? true,
    readsDuringReplace: options.features?.readsDuringReplace ?? true,
    writeProgress: options.features?.writeProgress ?? true,
  });
}
