import assert from 'node:assert/strict';
import { everythingFilter, TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { parentOf, validateRelativePath } from '../source/paths.js';
import type { EnumerateOptions, SourceEntry } from '../source/root-source.js';
import {
  bytes,
  collect,
  type DefineTest,
  expectCode,
  md5,
  readAllBytes,
  standardFiles,
} from './conformance-data.js';

/** The suite's tests of what every source does: describe itself, list, and read. */
export function defineReadTests(def: DefineTest): void {
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

  def(
    'enumerate yields every file once with size and NFC "/" path',
    standardFiles,
    async (source, pathOf) => {
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
      assert.deepEqual(paths, files.map((f) => pathOf(f.path)).sort());
      for (const file of files) {
        const entry = entries.find((e) => e.path === pathOf(file.path));
        assert.ok(entry, `missing ${file.path}`);
        assert.equal(entry.size, file.data.length, `size of ${file.path}`);
        assert.ok(Number.isFinite(entry.mtimeMs) && entry.mtimeMs > 0, `mtime of ${file.path}`);
      }
    },
  );

  def(
    'enumerate never descends into a folder the filter rejects',
    () => [
      { path: 'keep/a.bin', data: bytes(10, 1) },
      { path: 'skip/b.bin', data: bytes(10, 2) },
      { path: 'skip/deeper/c.bin', data: bytes(10, 3) },
    ],
    async (source, pathOf) => {
      const rejected = parentOf(pathOf('skip/b.bin'));
      const asked: string[] = [];
      const entries: string[] = [];
      const filter = {
        directory: (_name: string, path: string) => {
          asked.push(path);
          return path !== rejected;
        },
        file: () => true,
      };
      for await (const entry of source.enumerate({ filter })) entries.push(entry.path);
      assert.deepEqual(entries, [pathOf('keep/a.bin')]);
      assert.ok(asked.includes(rejected), `the filter was never asked about ${rejected}`);
      assert.ok(!asked.some((path) => path.startsWith(`${rejected}/`)), 'descended into a rejected folder');
    },
  );

  def(
    "heads attached by enumerate, where any, are the files' leading bytes",
    standardFiles,
    async (source, pathOf) => {
      // Checked while each entry is current: a source may reuse a head's memory once the next is asked for.
      for await (const entry of source.enumerate({ filter: everythingFilter, headBytes: 4096 })) {
        if (entry.head === undefined) continue;
        const file = standardFiles().find((f) => pathOf(f.path) === entry.path);
        assert.ok(file, `unexpected ${entry.path}`);
        const expected = file.data.subarray(0, 4096);
        assert.equal(entry.head.length, expected.length, `head length of ${entry.path}`);
        assert.equal(md5(entry.head), md5(expected), `head of ${entry.path}`);
      }
      // Without headBytes no source reads heads (nor hashes them, asked to or not).
      for await (const entry of source.enumerate({ filter: everythingFilter, headMd5: true })) {
        assert.equal(entry.head, undefined, `${entry.path} has a head nobody asked for`);
        assert.equal(entry.headMd5, undefined, `${entry.path} has a head MD5 without a head`);
      }
    },
  );

  def(
    'head MD5s attached by enumerate, where any, are the MD5s of the heads beside them',
    standardFiles,
    async (source, pathOf) => {
      const asked = { filter: everythingFilter, headBytes: 4096, headMd5: true };
      for await (const entry of source.enumerate(asked)) {
        if (entry.headMd5 === undefined) continue;
        assert.ok(entry.head, `${entry.path} has a head MD5 without its head`);
        const file = standardFiles().find((f) => pathOf(f.path) === entry.path);
        assert.ok(file, `unexpected ${entry.path}`);
        assert.match(entry.headMd5, /^[0-9a-f]{32}$/, `head MD5 of ${entry.path}`);
        assert.equal(entry.headMd5, md5(file.data.subarray(0, 4096)), `head MD5 of ${entry.path}`);
      }
      // Without headMd5 no source hashes heads.
      for await (const entry of source.enumerate({ filter: everythingFilter, headBytes: 4096 }))
        assert.equal(entry.headMd5, undefined, `${entry.path} has a head MD5 nobody asked for`);
    },
  );

  def(
    "enumerate's batches, where offered, hold what its iteration yields, heads included",
    standardFiles,
    async (source, pathOf) => {
      if (!source.enumerate().batches) return;
      // Fingerprints taken while each entry is current: a head is valid only until the next step.
      const print = (entry: SourceEntry) =>
        JSON.stringify([entry.path, entry.size, entry.mtimeMs, entry.etag, entry.head && md5(entry.head)]);
      const listed = async (options: EnumerateOptions, batched: boolean) => {
        const prints: string[] = [];
        const listing = source.enumerate(options);
        if (!batched) for await (const entry of listing) prints.push(print(entry));
        else
          for await (const batch of listing.batches!()) {
            assert.ok(batch.length > 0, 'an empty batch');
            for (const entry of batch) prints.push(print(entry));
          }
        // Neither way promises an order.
        return prints.sort();
      };
      const everything = { filter: everythingFilter, headBytes: 4096 };
      assert.deepEqual(await listed(everything, true), await listed(everything, false));
      const rejected = parentOf(pathOf('unicode/日本語の写真.jpg'));
      const filtered = {
        filter: {
          directory: (_name: string, path: string) => path !== rejected,
          file: everythingFilter.file,
        },
      };
      assert.deepEqual(await listed(filtered, true), await listed(filtered, false));
    },
  );

  def(
    'readHead returns exact bytes below, at and above the head size',
    standardFiles,
    async (source, pathOf) => {
      for (const file of standardFiles()) {
        const path = pathOf(file.path);
        const head = await source.readHead(path, 4096);
        const expected = Buffer.from(file.data.subarray(0, 4096));
        assert.equal(
          md5(head),
          md5(expected),
          `head of ${path} (${head.length} bytes, expected ${expected.length})`,
        );
      }
      const tiny = await source.readHead(pathOf('top.bin'), 7);
      assert.deepEqual([...tiny], [...standardFiles()[0]!.data.subarray(0, 7)]);
    },
  );

  def('readAll returns exact bytes, including for empty files', standardFiles, async (source, pathOf) => {
    for (const file of standardFiles()) {
      const path = pathOf(file.path);
      const all = await readAllBytes(source, path);
      assert.equal(all.length, file.data.length, `length of ${path}`);
      assert.equal(md5(all), md5(file.data), `content of ${path}`);
    }
  });

  def('missing files raise NOT_FOUND', standardFiles, async (source) => {
    await expectCode(
      source.readHead('no/such/file.jpg', 4096),
      'NOT_FOUND',
      'readHead of a missing file',
      source.backend,
    );
    await expectCode(
      readAllBytes(source, 'no-such-file.jpg'),
      'NOT_FOUND',
      'readAll of a missing file',
      source.backend,
    );
    if (source.stat) assert.equal(await source.stat('no-such-file.jpg'), undefined, 'stat of a missing file');
  });

  def('paths escaping the root raise INVALID_PATH', standardFiles, async (source) => {
    for (const bad of ['../outside.bin', '/etc/passwd', 'a/../../x', 'a/./b', '', 'a//b']) {
      await expectCode(
        source.readHead(bad, 16),
        'INVALID_PATH',
        `readHead(${JSON.stringify(bad)})`,
        source.backend,
      );
      if (source.writeAtomic) {
        await expectCode(
          source.writeAtomic(bad, new Uint8Array(1)),
          'INVALID_PATH',
          `writeAtomic(${JSON.stringify(bad)})`,
          source.backend,
        );
      }
    }
  });

  def('stat, where present, reports the size of an existing file', standardFiles, async (source, pathOf) => {
    if (!source.stat) return;
    const entry = await source.stat(pathOf('top.bin'));
    assert.ok(entry, 'stat found nothing');
    assert.equal(entry.size, 10_000);
    assert.equal(entry.path, pathOf('top.bin'));
  });

  def('errors are PhotolalaErrors with a cause or a code', standardFiles, async (source) => {
    await expectCode(
      source.readHead('missing.bin', 1),
      'NOT_FOUND',
      'readHead of a missing file',
      source.backend,
    );
  });

  def(
    'enumerate without a filter lists hidden files and folders, and no temp file unless asked',
    () => [
      { path: 'plain.bin', data: bytes(10, 1) },
      { path: '.hidden.bin', data: bytes(10, 2) },
      { path: '.hidden-folder/inside.bin', data: bytes(10, 3) },
      { path: `${TEMP_FILE_PREFIX}abc123`, data: bytes(10, 4) },
      { path: `folder/${TEMP_FILE_PREFIX}def456`, data: bytes(10, 5) },
    ],
    async (source, pathOf) => {
      const listed = async (options?: EnumerateOptions) => {
        const paths: string[] = [];
        for await (const entry of source.enumerate(options)) paths.push(entry.path);
        return paths.sort();
      };
      // A store whose paths are its own (see SourceUnderTest.pathOf) may give a temp file another name.
      const isTemp = (path: string) => path.split('/').pop()!.startsWith(TEMP_FILE_PREFIX);
      const all = [
        'plain.bin',
        '.hidden.bin',
        '.hidden-folder/inside.bin',
        `${TEMP_FILE_PREFIX}abc123`,
        `folder/${TEMP_FILE_PREFIX}def456`,
      ].map(pathOf);
      const visible = all.filter((path) => !isTemp(path)).sort();
      // The filter is the caller's: with none, a dot-file is a file like any other.
      assert.deepEqual(await listed(), visible, 'enumerate() without options');
      assert.deepEqual(await listed({}), visible, 'enumerate({})');
      // A filter that accepts every name still gets no temp file unless tempFiles asks for them. (A
      // server's own hidden marks may leave files out once a filter is given: see backend-smb.)
      const accepting = await listed({ filter: { directory: () => true, file: () => true } });
      for (const path of accepting)
        assert.ok(
          visible.includes(path),
          `${path} listed by a filter accepting everything, without tempFiles`,
        );
      // Asked for, temp files are optional to list; whatever else is listed stays the same.
      const withTemps = await listed({ tempFiles: true });
      for (const path of withTemps) assert.ok(all.includes(path), `unexpected ${path} with tempFiles`);
      assert.deepEqual(
        withTemps.filter((path) => visible.includes(path)),
        visible,
        'enumerate({ tempFiles: true }) lost files',
      );
    },
  );

  def('stat, where present, answers undefined for a folder', standardFiles, async (source, pathOf) => {
    if (!source.stat) return;
    const folder = parentOf(pathOf('a/sibling.bin'));
    assert.equal(await source.stat(folder), undefined, `stat(${JSON.stringify(folder)}) of a folder`);
  });

  def(
    'etags, where the source claims them, are on every listed and stat-ed entry',
    standardFiles,
    async (source) => {
      if (!source.capabilities.etags) return;
      const entries = await collect(source);
      for (const entry of entries) {
        assert.ok(
          typeof entry.etag === 'string' && entry.etag !== '',
          `capabilities.etags is true but ${entry.path} was listed without an etag`,
        );
        if (!source.stat) continue;
        const stated = await source.stat(entry.path);
        assert.ok(
          stated && typeof stated.etag === 'string' && stated.etag !== '',
          `capabilities.etags is true but stat(${JSON.stringify(entry.path)}) gave no etag`,
        );
      }
    },
  );
}
