import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, PhotolalaError, type RootSource, SCHEMA_VERSION } from '@photolala/core';
import { md5Hex, snapshotFileName } from '@photolala/core/internals';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { readNewestSnapshot, replaceSnapshot } from '../support/craft-snapshot.js';
import { countingSource, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

// A failed file's error code is stored in its row (failure_code, schema 5), and a rescan decides from
// that column, never from the reason's text, whether to read the file again.

const { cleanup, opened } = cleanupAfterEach();

async function photoRoot() {
  const root = await tempDir('root');
  const cacheDir = await tempDir('cache');
  cleanup.push(root, cacheDir);
  // Over 4 KiB each, so a digest reads the whole file rather than reusing its head.
  await writeTree(root, {
    'ok.jpg': await syntheticJpeg(1, 640, 480),
    'flaky.jpg': await syntheticJpeg(2, 640, 480),
    'refused.jpg': await syntheticJpeg(3, 640, 480),
  });
  return { root, cacheDir };
}

/** `plain`, whose whole reads of some files fail with a coded error. */
function failingReads(plain: RootSource, failures: Record<string, PhotolalaError['code']>): RootSource {
  return Object.assign(Object.create(plain) as RootSource, {
    readAll: async (file: string) => {
      const code = failures[file];
      if (code) throw new PhotolalaError(code, 'refused by the test', { backend: 'test', path: file });
      return plain.readAll(file);
    },
  });
}

/** The rows of a root's newest snapshot, and its schema version. */
const newestSnapshot = (root: string) =>
  readNewestSnapshot(root, (db) => ({
    rows: db.prepare('SELECT path, status, failure_code, photo_md5 FROM entries ORDER BY path').raw().all(),
  }));

const photoMd5 = async (root: string, file: string) => md5Hex(await readFile(path.join(root, file)));

/** Rewrites the root's newest snapshot as release 4 wrote it: no failure_code column, schema 4. */
const asVersion4 = (source: RootSource, cacheDir: string) =>
  replaceSnapshot(source, cacheDir, (db) => {
    db.exec(`DROP TABLE unlisted; ALTER TABLE entries DROP COLUMN failure_code;
      UPDATE version SET value = '4' WHERE key = 'schema_version'`);
  });
describe('failure codes stored in the catalog', () => {
  test('a transient code is tried again on rescan, a permanent one is not, whatever the reason says', async () => {
    const { root, cacheDir } = await photoRoot();
    const plain = await createLocalSource({ root });
    const first = await openCatalog(
      failingReads(plain, { 'flaky.jpg': 'UNAVAILABLE', 'refused.jpg': 'CORRUPT' }),
      { cacheDir },
    );
    opened.push(first);
    expect((await first.scan()).failed.map((f) => f.path)).toEqual(['flaky.jpg', 'refused.jpg']);
    await first.close();
    const okMd5 = await photoMd5(root, 'ok.jpg');
    expect((await newestSnapshot(root)).rows).toEqual([
      ['flaky.jpg', 'failed', 'UNAVAILABLE', null],
      ['ok.jpg', 'ok', null, okMd5],
      ['refused.jpg', 'failed', 'CORRUPT', null],
    ]);

    // The reasons are swapped in the snapshot: were the text read, each would be decided wrongly.
    await replaceSnapshot(plain, cacheDir, (db) => {
      db.exec(`UPDATE entries SET reason = 'CORRUPT: bad bytes' WHERE path = 'flaky.jpg';
        UPDATE entries SET reason = 'UNAVAILABLE: server went away' WHERE path = 'refused.jpg'`);
    });
    const source = countingSource(await createLocalSource({ root }));
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    const again = await catalog.scan();
    expect(again.changed).toEqual(['flaky.jpg']);
    expect(source.fulls.has('flaky.jpg')).toBe(true);
    expect([source.heads.has('refused.jpg'), source.fulls.has('refused.jpg')]).toEqual([false, false]);
    // Still failed, from its row: reported with the reason it has.
    expect(again.failed).toEqual([{ path: 'refused.jpg', reason: 'UNAVAILABLE: server went away' }]);
    expect((await newestSnapshot(root)).rows).toEqual([
      ['flaky.jpg', 'ok', null, await photoMd5(root, 'flaky.jpg')],
      ['ok.jpg', 'ok', null, okMd5],
      ['refused.jpg', 'failed', 'CORRUPT', null],
    ]);
  });

  test('a version 4 snapshot opens and is upgraded; its failed rows, which have no code, are tried once more', async () => {
    const { root, cacheDir } = await photoRoot();
    const plain = await createLocalSource({ root });
    const first = await openCatalog(failingReads(plain, { 'flaky.jpg': 'IO', 'refused.jpg': 'CORRUPT' }), {
      cacheDir,
    });
    opened.push(first);
    await first.scan();
    await first.close();
    const v4Md5 = await asVersion4(plain, cacheDir);
    const v4 = new Database(path.join(root, snapshotFileName(v4Md5)), { readonly: true });
    const v4Columns = v4.prepare(`SELECT name FROM pragma_table_info('entries')`).pluck().all();
    v4.close();
    expect(v4Columns).not.toContain('failure_code');

    // refused.jpg still fails, with its code: the retry records it.
    const source = countingSource(
      failingReads(await createLocalSource({ root }), { 'refused.jpg': 'CORRUPT' }),
    );
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    expect(catalog.loadInfo).toMatchObject({ source: 'root', catalogMd5: v4Md5 });
    expect(catalog.get('flaky.jpg')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^IO: /),
    });
    const again = await catalog.scan();
    expect(source.fulls.has('flaky.jpg')).toBe(true);
    expect(source.heads.has('ok.jpg') || source.fulls.has('ok.jpg')).toBe(false);
    expect(again.changed).toEqual(['flaky.jpg', 'refused.jpg']);
    expect(await newestSnapshot(root)).toMatchObject({
      version: String(SCHEMA_VERSION),
      rows: [
        ['flaky.jpg', 'ok', null, await photoMd5(root, 'flaky.jpg')],
        ['ok.jpg', 'ok', null, await photoMd5(root, 'ok.jpg')],
        ['refused.jpg', 'failed', 'CORRUPT', null],
      ],
    });

    // Now that its code is known, the permanent failure is left alone.
    const reads = source.opened();
    const third = await catalog.scan();
    expect(third.changed).toEqual([]);
    expect(third.failed.map((f) => f.path)).toEqual(['refused.jpg']);
    expect(source.opened()).toBe(reads);
  });
  test('an unchanged scan of a version 4 catalog publishes it as the current version, reading no photo', async () => {
    const { root, cacheDir } = await photoRoot();
    const plain = await createLocalSource({ root });
    const first = await openCatalog(plain, { cacheDir });
    opened.push(first);
    await first.scan();
    await first.close();
    const v4Md5 = await asVersion4(plain, cacheDir);

    const source = countingSource(await createLocalSource({ root }));
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    expect(catalog.loadInfo).toMatchObject({ catalogMd5: v4Md5 });
    const again = await catalog.scan();
    expect(again.changed).toEqual([]);
    for (const file of ['flaky.jpg', 'ok.jpg', 'refused.jpg'])
      expect([source.heads.has(file), source.fulls.has(file)]).toEqual([false, false]);
    const published = await newestSnapshot(root);
    expect(published.md5).not.toBe(v4Md5);
    expect(published.version).toBe(String(SCHEMA_VERSION));
    expect(published.rows.map((row) => (row as unknown[]).slice(0, 3))).toEqual([
      ['flaky.jpg', 'ok', null],
      ['ok.jpg', 'ok', null],
      ['refused.jpg', 'ok', null],
    ]);
    // Published once: the next unchanged scan writes nothing new.
    expect((await catalog.scan()).catalogMd5).toBe(published.md5);
  });

  test('a plain Error thrown in the middle of a read stream is no verdict on the file: the next scan reads it again', async () => {
    const { root, cacheDir } = await photoRoot();
    const plain = await createLocalSource({ root });
    // A backend that forgot to wrap its stream's error: 100 bytes, then an uncoded Error.
    const cutStreams = Object.assign(Object.create(plain) as RootSource, {
      readAll: async (file: string) => {
        if (file !== 'flaky.jpg') return plain.readAll(file);
        const bytes = await readFile(path.join(root, file));
        return Readable.from(
          (async function* () {
            yield bytes.subarray(0, 100);
            throw new Error('connection reset by peer');
          })(),
        );
      },
    });
    const first = await openCatalog(cutStreams, { cacheDir });
    opened.push(first);
    expect((await first.scan()).failed.map((f) => f.path)).toEqual(['flaky.jpg']);
    await first.close();

    const source = countingSource(await createLocalSource({ root }));
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    const again = await catalog.scan();
    expect(source.fulls.has('flaky.jpg')).toBe(true);
    expect(again.changed).toEqual(['flaky.jpg']);
    expect(again.failed).toEqual([]);
    expect(catalog.get('flaky.jpg')).toMatchObject({
      status: 'ok',
      photoMd5: await photoMd5(root, 'flaky.jpg'),
    });
  });
});
