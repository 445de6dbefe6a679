import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { isPhotolalaError } from '../source/errors.js';
import type { RootSource } from '../source/root-source.js';
import {
  bytes,
  collect,
  type DefineTest,
  expectCode,
  md5,
  readAllBytes,
  standardFiles,
} from './conformance-data.js';

/**
 * What the store's server does that no source can say of itself, and whether to insist on `onBytes`
 * (see ConformanceOptions.features).
 */
export interface WriteFeatures {
  atomicReplace: boolean;
  readsDuringReplace: boolean;
  writeProgress: boolean;
}

type Body = (source: RootSource, pathOf: (path: string) => string) => Promise<void>;

// What a source can do is read from its capabilities, never told: on a read-only source the write
// tests check that it offers no way to write ("describes itself" checks the flags match the methods).
const whereWritable =
  (body: Body): Body =>
  async (source, pathOf) => {
    if (source.capabilities.writable) return body(source, pathOf);
    assert.equal(source.writeAtomic, undefined, 'a source that is not writable offers writeAtomic');
    assert.equal(
      source.writeAtomicFromFile,
      undefined,
      'a source that is not writable offers writeAtomicFromFile',
    );
    assert.equal(source.writeIfUnchanged, undefined, 'a source that is not writable offers writeIfUnchanged');
  };
const whereRemovable =
  (body: Body): Body =>
  async (source, pathOf) => {
    if (source.capabilities.removable) return body(source, pathOf);
    assert.equal(source.remove, undefined, 'a source that is not removable offers remove');
  };

/** The suite's tests of writing and removing, each of which a read-only source passes by offering none. */
export function defineWriteTests(def: DefineTest, features: WriteFeatures): void {
  const { atomicReplace, readsDuringReplace } = features;
  def(
    'writeAtomic, where writable, creates and replaces content, creating folders',
    standardFiles,
    whereWritable(async (source, pathOf) => {
      assert.ok(source.writeAtomic, 'capabilities.writable is true but writeAtomic is missing');
      const first = bytes(20_000, 11);
      const second = bytes(500, 12);
      await source.writeAtomic('new/folder/file.bin', first);
      assert.equal(md5(await readAllBytes(source, 'new/folder/file.bin')), md5(first));
      await source.writeAtomic('new/folder/file.bin', second);
      assert.equal(md5(await readAllBytes(source, 'new/folder/file.bin')), md5(second));
      await source.writeAtomic(pathOf('top.bin'), second);
      assert.equal(md5(await readAllBytes(source, pathOf('top.bin'))), md5(second));
      const entries = await collect(source);
      const paths = entries.map((e) => e.path);
      assert.ok(paths.includes('new/folder/file.bin'));
      assert.equal(paths.length, new Set(paths).size, 'a file was listed twice');
      assert.equal(paths.length, standardFiles().length + 1, `temp files were listed: ${paths.join(', ')}`);
      assert.equal(entries.find((e) => e.path === pathOf('top.bin'))?.size, 500);
    }),
  );

  def(
    'etags, where claimed and writable, change when new bytes of the same size are written',
    standardFiles,
    whereWritable(async (source) => {
      if (!source.capabilities.etags) return;
      const etagOf = async (path: string) => {
        const listed = (await collect(source)).find((entry) => entry.path === path)?.etag;
        assert.ok(listed, `${path} was listed without an etag`);
        if (!source.stat) return listed;
        const stated = (await source.stat(path))?.etag;
        assert.equal(stated, listed, `stat(${JSON.stringify(path)}) and enumerate disagree on its etag`);
        return listed;
      };
      await source.writeAtomic!('etag/same-size.bin', bytes(3000, 21));
      const before = await etagOf('etag/same-size.bin');
      await source.writeAtomic!('etag/same-size.bin', bytes(3000, 22));
      const after = await etagOf('etag/same-size.bin');
      assert.notEqual(after, before, 'the etag stayed the same though the bytes changed (same size)');
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
        if (features.writeProgress) assert.ok(told.length > 0, 'onBytes was never called');
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
        source.backend,
      );
      const seen = await etagOf('cond/new.bin');
      await source.writeIfUnchanged('cond/new.bin', two, { ifMatch: seen });
      assert.equal(md5(await readAllBytes(source, 'cond/new.bin')), md5(two));
      await expectCode(
        source.writeIfUnchanged('cond/new.bin', three, { ifMatch: seen }),
        'CONFLICT',
        'ifMatch with an ETag the file no longer has',
        source.backend,
      );
      await expectCode(
        source.writeIfUnchanged('cond/missing.bin', three, { ifMatch: seen }),
        'CONFLICT',
        'ifMatch on a missing file',
        source.backend,
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
    whereRemovable(async (source, pathOf) => {
      assert.ok(source.remove, 'capabilities.removable is true but remove is missing');
      const small = pathOf('small.bin');
      await source.remove(small);
      await expectCode(source.readHead(small, 10), 'NOT_FOUND', 'readHead after remove', source.backend);
      await source.remove(small);
      const paths = (await collect(source)).map((e) => e.path);
      assert.ok(!paths.includes(small));
    }),
  );
}
