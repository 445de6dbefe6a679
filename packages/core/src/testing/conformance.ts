import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { everythingFilter } from '../source/enumerate-filter.js';
import { isPhotolalaError, PhotolalaError } from '../source/errors.js';
import { validateRelativePath } from '../source/paths.js';
import type { RootSource, SourceEntry } from '../source/root-source.js';

/** vitest's `test`/`it`, node:test's `test`, or anything with the same shape. */
export type TestFunction = (name: string, fn: () => Promise<void>, timeout?: number) => unknown;

/** One file the root of a source under test must hold. */
export interface ConformanceFile {
  /** Relative `/` path; may contain NFD characters, which the source must report in NFC. */
  path: string;
  data: Uint8Array;
}

/** Creates a fresh source whose root holds exactly `files`; `dispose` cleans it up. */
export type ConformanceSourceFactory = (
  files: ConformanceFile[],
) => Promise<{ source: RootSource; dispose?: () => Promise<void> }>;

/** What `runRootSourceConformance` tests, and with which test runner. */
export interface ConformanceOptions {
  /** Prefix for test names, e.g. the backend name. */
  name: string;
  test: TestFunction;
  createSource: ConformanceSourceFactory;
  /**
   * What the store's server does that its capabilities cannot say; all default to true. What the
   * source can do (write, remove, conditional writes) is read from the source itself, and
   * `writeAtomic`/`remove` here are ignored: kept so that older callers still compile. `atomicReplace: false` is for stores
   * whose server replaces a file by delete-then-rename (many WebDAV servers' MOVE with overwrite): a
   * concurrent reader may then briefly get NOT_FOUND, but still never a mix of old and new bytes.
   * `readsDuringReplace: false` skips the concurrent-reader test altogether, for a server known to
   * serve torn reads while a file is replaced (say so in your README: callers must verify content).
   * `writeProgress` (default false) asserts that `writeAtomicFromFile` reports its bytes through
   * `onBytes`; whether it does or not, what it reports must climb to the file's size.
   */
  features?: {
    /** @deprecated Ignored: read from `source.capabilities.writable`. */
    writeAtomic?: boolean;
    /** @deprecated Ignored: read from `source.capabilities.removable`. */
    remove?: boolean;
    atomicReplace?: boolean;
    readsDuringReplace?: boolean;
    writeProgress?: boolean;
  };
  /** Per-test timeout in ms (remote stores may want more). */
  timeoutMs?: number;
}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < length; i++) {
    // xorshift: content that differs at every offset, so a misplaced range cannot pass.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function collect(source: RootSource): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  for await (const entry of source.enumerate({ filter: everythingFilter })) entries.push(entry);
  return entries;
}

async function readAllBytes(source: RootSource, path: string): Promise<Buffer> {
  const stream = await source.readAll(path);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function expectCode(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      error instanceof PhotolalaError,
      `${what}: expected a PhotolalaError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    assert.equal(error.code, code, `${what}: expected code ${code}, got ${error.code} (${error.message})`);
    assert.ok(error.backend.length > 0, `${what}: error carries no backend name`);
    return;
  }
  assert.fail(`${what}: expected ${code}, but it succeeded`);
}

const NFD_NAME = 'Cafe\u0301 Mu\u0308nchen.jpg';

function standardFiles(): ConformanceFile[] {
  return [
    { path: 'top.bin', data: bytes(10_000, 1) },
    { path: 'small.bin', data: bytes(100, 2) },
    { path: 'exact.bin', data: bytes(4096, 3) },
    { path: 'empty.bin', data: new Uint8Array(0) },
    { path: 'with space/and more spaces.jpg', data: bytes(5000, 4) },
    { path: `unicode/${NFD_NAME}`, data: bytes(300, 5) },
    { path: 'unicode/日本語の写真.jpg', data: bytes(301, 6) },
    { path: 'a/b/c/d/e/f/g/h/deep.bin', data: bytes(7000, 7) },
    { path: 'a/sibling.bin', data: bytes(1, 8) },
  ];
}

const expectedPath = (path: string) => path.normalize('NFC');

/**
 * Registers the `RootSource` conformance tests. A backend's test file calls this once:
 *
 * ```ts
 * runRootSourceConformance({ name: 'local', test, createSource: async (files) => ({ source: ... }) });
 * ```
 */
export function runRootSourceConformance(options: ConformanceOptions): void {
  const { name, test, createSource } = options;
  const atomicReplace = options.features?.atomicReplace ?? true;
  const readsDuringReplace = options.features?.readsDuringReplace ?? true;
  const timeout = options.timeoutMs ?? 30_000;

  const withSource = async (files: ConformanceFile[], body: (source: RootSource) => Promise<void>) => {
    const { source, dispose } = await createSource(files);
    try {
      await body(source);
    } finally {
      await source.close?.();
      await dispose?.();
    }
  };
  const def = (title: string, files: () => ConformanceFile[], body: (source: RootSource) => Promise<void>) =>
    test(`${name} conformance: ${title}`, () => withSource(files(), body), timeout);
  // What a source can do is read from its capabilities, never told: on a read-only source the write
  // tests check that it offers no way to write ("describes itself" checks the flags match the methods).
  const whereWritable =
    (body: (source: RootSource) => Promise<void>) =>
    async (source: RootSource): Promise<void> => {
      if (source.capabilities.writable) return body(source);
      assert.equal(source.writeAtomic, undefined, 'a source that is not writable offers writeAtomic');
      assert.equal(
        source.writeAtomicFromFile,
        undefined,
        'a source that is not writable offers writeAtomicFromFile',
      );
      assert.equal(
        source.writeIfUnchanged,
        undefined,
        'a source that is not writable offers writeIfUnchanged',
      );
    };
  const whereRemovable =
    (body: (source: RootSource) => Promise<void>) =>
    async (source: RootSource): Promise<void> => {
      if (source.capabilities.removable) return body(source);
      assert.equal(source.remove, undefined, 'a source that is not removable offers remove');
    };

  def('describes itself', standardFiles, async (source) => {
    assert.equal(typeof source.backend, 'string');
    assert.ok(source.backend.length > 0, 'backend name is empty');
    assert.match(source.uri, /^[a-z][a-z0-9+.-]*:\/\//, 'uri is not a URI');
    assert.doesNotMatch(source.uri, /\/$/, 'canonical uri ends in a slash');
    assert.doesNotMatch(source.uri, /:\/\/[^/]*:[^/]*@/, 'uri carries a password');
    const caps = source.capabilities;
    assert.equal(typeof caps.writable, 'boolean');
    assert.equal(typeof caps.remote, 'boolean');
    assert.ok(caps.mtimeResolutionMs >= 1, 'mtimeResolutionMs must be at least 1');
    assert.equal(
      caps.writable,
      typeof source.writeAtomic === 'function',
      'capabilities.writable must match writeAtomic',
    );
    assert.equal(
      caps.removable,
      typeof source.remove === 'function',
      'capabilities.removable must match remove',
    );
  });

  def('enumerate yields every file once with size and NFC "/" path', standardFiles, async (source) => {
    const files = standardFiles();
    const entries = await collect(source);
    // First the form of each path, as the catalog checks it (it refuses any other as failed), so a
    // backend learns what is wrong before the comparison of the lists.
    for (const entry of entries) {
      assert.equal(
        validateRelativePath(entry.path, 'conformance'),
        entry.path,
        `${JSON.stringify(entry.path)}: not in NFC, or not a valid relative path`,
      );
    }
    const paths = entries.map((e) => e.path).sort();
    assert.deepEqual(paths, files.map((f) => expectedPath(f.path)).sort());
    for (const file of files) {
      const entry = entries.find((e) => e.path === expectedPath(file.path));
      assert.ok(entry, `missing ${file.path}`);
      assert.equal(entry.size, file.data.length, `size of ${file.path}`);
      assert.ok(Number.isFinite(entry.mtimeMs) && entry.mtimeMs > 0, `mtime of ${file.path}`);
    }
  });

  def(
    'enumerate never descends into a folder the filter rejects',
    () => [
      { path: 'keep/a.bin', data: bytes(10, 1) },
      { path: 'skip/b.bin', data: bytes(10, 2) },
      { path: 'skip/deeper/c.bin', data: bytes(10, 3) },
    ],
    async (source) => {
      const asked: string[] = [];
      const entries: string[] = [];
      const filter = {
        directory: (dirName: string, path: string) => {
          asked.push(path);
          return dirName !== 'skip';
        },
        file: () => true,
      };
      for await (const entry of source.enumerate({ filter })) entries.push(entry.path);
      assert.deepEqual(entries, ['keep/a.bin']);
      assert.ok(!asked.includes('skip/deeper'), 'descended into a rejected folder');
    },
  );

  def(
    "heads attached by enumerate, where any, are the files' leading bytes",
    standardFiles,
    async (source) => {
      // Checked while each entry is current: a source may reuse a head's memory once the next is asked for.
      for await (const entry of source.enumerate({ filter: everythingFilter, headBytes: 4096 })) {
        if (entry.head === undefined) continue;
        const file = standardFiles().find((f) => expectedPath(f.path) === entry.path);
        assert.ok(file, `unexpected ${entry.path}`);
        const expected = file.data.subarray(0, 4096);
        assert.equal(entry.head.length, expected.length, `head length of ${entry.path}`);
        assert.equal(md5(entry.head), md5(expected), `head of ${entry.path}`);
      }
      // Without headBytes no source reads heads.
      for await (const entry of source.enumerate({ filter: everythingFilter }))
        assert.equal(entry.head, undefined, `${entry.path} has a head nobody asked for`);
    },
  );

  def('readHead returns exact bytes below, at and above the head size', standardFiles, async (source) => {
    for (const file of standardFiles()) {
      const path = expectedPath(file.path);
      const head = await source.readHead(path, 4096);
      const expected = Buffer.from(file.data.subarray(0, 4096));
      assert.equal(
        md5(head),
        md5(expected),
        `head of ${path} (${head.length} bytes, expected ${expected.length})`,
      );
    }
    const tiny = await source.readHead('top.bin', 7);
    assert.deepEqual([...tiny], [...standardFiles()[0]!.data.subarray(0, 7)]);
  });

  def('readAll returns exact bytes, including for empty files', standardFiles, async (source) => {
    for (const file of standardFiles()) {
      const path = expectedPath(file.path);
      const all = await readAllBytes(source, path);
      assert.equal(all.length, file.data.length, `length of ${path}`);
      assert.equal(md5(all), md5(file.data), `content of ${path}`);
    }
  });

  def('missing files raise NOT_FOUND', standardFiles, async (source) => {
    await expectCode(source.readHead('no/such/file.jpg', 4096), 'NOT_FOUND', 'readHead of a missing file');
    await expectCode(readAllBytes(source, 'no-such-file.jpg'), 'NOT_FOUND', 'readAll of a missing file');
    if (source.stat) assert.equal(await source.stat('no-such-file.jpg'), undefined, 'stat of a missing file');
  });

  def('paths escaping the root raise INVALID_PATH', standardFiles, async (source) => {
    for (const bad of ['../outside.bin', '/etc/passwd', 'a/../../x', 'a/./b', '', 'a//b']) {
      await expectCode(source.readHead(bad, 16), 'INVALID_PATH', `readHead(${JSON.stringify(bad)})`);
      if (source.writeAtomic) {
        await expectCode(
          source.writeAtomic(bad, new Uint8Array(1)),
          'INVALID_PATH',
          `writeAtomic(${JSON.stringify(bad)})`,
        );
      }
    }
  });

  def('stat, where present, reports the size of an existing file', standardFiles, async (source) => {
    if (!source.stat) return;
    const entry = await source.stat('top.bin');
    assert.ok(entry, 'stat found nothing');
    assert.equal(entry.size, 10_000);
    assert.equal(entry.path, 'top.bin');
  });

  def(
    'writeAtomic, where writable, creates and replaces content, creating folders',
    standardFiles,
    whereWritable(async (source) => {
      assert.ok(source.writeAtomic, 'capabilities.writable is true but writeAtomic is missing');
      const first = bytes(20_000, 11);
      const second = bytes(500, 12);
      await source.writeAtomic('new/folder/file.bin', first);
      assert.equal(md5(await readAllBytes(source, 'new/folder/file.bin')), md5(first));
      await source.writeAtomic('new/folder/file.bin', second);
      assert.equal(md5(await readAllBytes(source, 'new/folder/file.bin')), md5(second));
      await source.writeAtomic('top.bin', second);
      assert.equal(md5(await readAllBytes(source, 'top.bin')), md5(second));
      const entries = await collect(source);
      const paths = entries.map((e) => e.path);
      assert.ok(paths.includes('new/folder/file.bin'));
      assert.equal(paths.length, new Set(paths).size, 'a file was listed twice');
      assert.equal(paths.length, standardFiles().length + 1, `temp files were listed: ${paths.join(', ')}`);
      assert.equal(entries.find((e) => e.path === 'top.bin')?.size, 500);
    }),
  );

  def(
    "writeAtomicFromFile, where present, writes a local file's exact bytes",
    standardFiles,
    async (source) => {
      if (!source.writeAtomicFromFile) return;
      const dir = await mkdtemp(nodePath.join(tmpdir(), 'photolala-conformance-'));
      try {
        const big = bytes(3 * 1024 * 1024 + 17, 13);
        const local = nodePath.join(dir, 'snapshot.bin');
        await writeFile(local, big);
        const told: number[] = [];
        await source.writeAtomicFromFile('from-file/snapshot.bin', local, (sent) => told.push(sent));
        assert.equal(md5(await readAllBytes(source, 'from-file/snapshot.bin')), md5(big));
        if (options.features?.writeProgress) assert.ok(told.length > 0, 'onBytes was never called');
        assert.ok(
          told.every((sent, i) => sent <= big.length && (i === 0 || sent >= told[i - 1]!)),
          `onBytes went down or past the size: ${told.join(', ')}`,
        );
        if (told.length > 0) assert.equal(told.at(-1), big.length, 'onBytes did not end at the size');
        await writeFile(local, bytes(10, 14));
        await source.writeAtomicFromFile('from-file/snapshot.bin', local);
        assert.equal(md5(await readAllBytes(source, 'from-file/snapshot.bin')), md5(bytes(10, 14)));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  def(
    'writeIfUnchanged, where present, writes only over the file as last seen, else CONFLICT',
    standardFiles,
    async (source) => {
      if (!source.writeIfUnchanged) return;
      assert.ok(source.stat, 'writeIfUnchanged needs stat, for the ETag it is given');
      const [one, two, three] = [bytes(40, 31), bytes(41, 32), bytes(42, 33)];
      const etagOf = async (path: string) => {
        const etag = (await source.stat!(path))?.etag;
        assert.ok(etag, `stat of ${path} reports no etag`);
        return etag;
      };
      await source.writeIfUnchanged('cond/new.bin', one, { ifNoneMatch: '*' });
      assert.equal(md5(await readAllBytes(source, 'cond/new.bin')), md5(one));
      await expectCode(
        source.writeIfUnchanged('cond/new.bin', two, { ifNoneMatch: '*' }),
        'CONFLICT',
        'ifNoneMatch over an existing file',
      );
      const seen = await etagOf('cond/new.bin');
      await source.writeIfUnchanged('cond/new.bin', two, { ifMatch: seen });
      assert.equal(md5(await readAllBytes(source, 'cond/new.bin')), md5(two));
      await expectCode(
        source.writeIfUnchanged('cond/new.bin', three, { ifMatch: seen }),
        'CONFLICT',
        'ifMatch with an ETag the file no longer has',
      );
      await expectCode(
        source.writeIfUnchanged('cond/missing.bin', three, { ifMatch: seen }),
        'CONFLICT',
        'ifMatch on a missing file',
      );
      assert.equal(
        md5(await readAllBytes(source, 'cond/new.bin')),
        md5(two),
        'a refused write changed the file',
      );
      assert.equal(await source.stat!('cond/missing.bin'), undefined, 'a refused write created the file');
    },
  );

  if (readsDuringReplace)
    def(
      'a reader during writeAtomic, where writable, sees the old or the new bytes, never a mix',
      standardFiles,
      whereWritable(async (source) => {
        const a = bytes(256 * 1024, 21);
        const b = bytes(192 * 1024, 22);
        const valid = new Set([md5(a), md5(b)]);
        await source.writeAtomic!('race.bin', a);
        let writing = true;
        const writer = (async () => {
          try {
            for (let i = 0; i < 12; i++) await source.writeAtomic!('race.bin', i % 2 === 0 ? b : a);
          } finally {
            writing = false;
          }
        })();
        let reads = 0;
        try {
          while (writing || reads < 3) {
            let seen: string;
            try {
              seen = md5(await readAllBytes(source, 'race.bin'));
            } catch (error) {
              // Only a store declared non-atomic may briefly lack the file; none may tear it.
              if (atomicReplace || !isPhotolalaError(error, 'NOT_FOUND')) throw error;
              continue;
            }
            assert.ok(valid.has(seen), 'a reader saw a mix of old and new bytes');
            reads++;
          }
        } finally {
          await writer.catch(() => {});
        }
        await writer;
        assert.ok(reads >= 3);
      }),
    );

  def(
    'remove, where removable, deletes a file, and removing a missing file is not an error',
    standardFiles,
    whereRemovable(async (source) => {
      assert.ok(source.remove, 'capabilities.removable is true but remove is missing');
      await source.remove('small.bin');
      await expectCode(source.readHead('small.bin', 10), 'NOT_FOUND', 'readHead after remove');
      await source.remove('small.bin');
      const paths = (await collect(source)).map((e) => e.path);
      assert.ok(!paths.includes('small.bin'));
    }),
  );

  def('errors are PhotolalaErrors with a cause or a code', standardFiles, async (source) => {
    try {
      await source.readHead('missing.bin', 1);
      assert.fail('readHead of a missing file succeeded');
    } catch (error) {
      assert.ok(isPhotolalaError(error, 'NOT_FOUND'));
    }
  });
}
