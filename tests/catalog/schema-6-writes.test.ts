import { writeFile } from 'node:fs/promises';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, SCHEMA_VERSION } from '@photolala/core';
import { expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';
import { readNewestSnapshot, replaceSnapshot } from '../support/craft-snapshot.js';
import { syntheticJpeg } from '../support/fs.js';

// A snapshot of schema 6 (before the table `unlisted`) is read in place; its first write, whatever
// it is, brings the working copy to the current schema, so a star alone publishes a current snapshot.

const { cleanup, opened } = cleanupAfterEach();

/** What release 6 wrote: the current schema without the table `unlisted`. */
const asVersion6 = `DROP TABLE unlisted; UPDATE version SET value = '6' WHERE key = 'schema_version'`;

const newestSnapshot = (root: string) =>
  readNewestSnapshot(root, (db) => ({
    schema: db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').raw().all(),
    starred: db.prepare('SELECT path FROM entries WHERE starred = 1 ORDER BY path').pluck().all(),
    unlisted: db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'unlisted'`).pluck().get(),
  }));

test('a star on a snapshot of schema 6 upgrades the working copy and publishes a current snapshot that reads back', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  const current = await newestSnapshot(root);
  expect(current.version).toBe(String(SCHEMA_VERSION));
  const source = await createLocalSource({ root });
  const v6Md5 = await replaceSnapshot(source, cacheDir, (db) => db.exec(asVersion6));
  expect(await newestSnapshot(root)).toMatchObject({ md5: v6Md5, version: '6', unlisted: 0 });

  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  // Read in place as it stands.
  expect(catalog.version.schema_version).toBe('6');
  expect(catalog.photoColumns().unlisted).toEqual([]);
  await catalog.star('a.jpg');
  // The write itself upgraded it, before any publish.
  expect(catalog.version.schema_version).toBe(String(SCHEMA_VERSION));
  expect(catalog.photoColumns().unlisted).toEqual([]);
  await catalog.close();

  const published = await newestSnapshot(root);
  expect(published.md5).not.toBe(v6Md5);
  expect(published.version).toBe(String(SCHEMA_VERSION));
  expect(published.starred).toEqual(['a.jpg']);
  // The very schema a new catalog has.
  expect(published.schema).toEqual(current.schema);

  const reopened = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(reopened);
  expect(reopened.loadInfo).toMatchObject({ catalogMd5: published.md5 });
  expect(reopened.version.schema_version).toBe(String(SCHEMA_VERSION));
  expect(reopened.list().map((e) => [e.path, e.starred])).toEqual([
    ['a.jpg', true],
    ['b/c.jpg', false],
  ]);
  expect(reopened.starQueue().map((r) => [r.operation, r.path, r.state])).toEqual([
    ['star', 'a.jpg', 'pending'],
  ]);
  expect(reopened.photoColumns().unlisted).toEqual([]);
  // Unchanged, a rescan writes nothing new.
  expect((await reopened.scan()).wroteNewSnapshot).toBe(false);
});

test('a scan of a snapshot of schema 6 that finds a file it cannot catalog publishes it in a current snapshot', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  const source = await createLocalSource({ root });
  await replaceSnapshot(source, cacheDir, (db) => db.exec(asVersion6));
  // `x` then the Latin-1 byte 0xE9: not UTF-8.
  const name = Buffer.concat([Buffer.from('x'), Buffer.from([0xe9]), Buffer.from('.jpg')]);
  await writeFile(Buffer.concat([Buffer.from(`${root}/`), name]), await syntheticJpeg(7));

  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  expect(catalog.version.schema_version).toBe('6');
  const result = await catalog.scan();
  expect(result.wroteNewSnapshot).toBe(true);
  expect(catalog.photoColumns().unlisted.map((u) => u.path)).toEqual(['x\uFFFD.jpg']);
  const published = await newestSnapshot(root);
  expect(published).toMatchObject({ md5: result.catalogMd5, version: String(SCHEMA_VERSION), unlisted: 1 });
});
