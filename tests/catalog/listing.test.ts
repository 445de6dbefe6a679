import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, SCHEMA_VERSION } from '@photolala/core';
import {
  formatPointer,
  md5Hex,
  POINTER_FILE,
  parsePointer,
  snapshotFileName,
} from '@photolala/core/internals';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';
import { replaceSnapshot } from '../support/craft-snapshot.js';
import { tempDir } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

async function reopen(root: string, cacheDir: string) {
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  return catalog;
}

const newestIn = async (root: string) =>
  parsePointer(await readFile(path.join(root, POINTER_FILE), 'utf8'))[0]!;

/** What a snapshot file holds: its schema version and its listing, decoded column by column. */
function snapshotContents(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const version = db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get();
    const hasListing = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'listing'`).get() !== undefined;
    const listed: { path: string; starred: number }[] = [];
    if (hasListing) {
      for (const json of db.prepare('SELECT json FROM listing ORDER BY chunk').pluck().all()) {
        const columns = JSON.parse(json as string) as unknown[][];
        columns[0]!.forEach((p, i) => {
          listed.push({ path: p as string, starred: columns[11]![i] as number });
        });
      }
    }
    return { version, hasListing, listed };
  } finally {
    db.close();
  }
}

/** Replaces the listing by one chunk of its first row only, which says that row is starred. */
function writeStarredFirstChunk(db: Database.Database): void {
  const [json] = db.prepare('SELECT json FROM listing').pluck().all() as string[];
  const columns = JSON.parse(json!) as unknown[][];
  const first = columns.map((column) => column.slice(0, 1));
  first[11] = [1];
  db.exec('DELETE FROM listing');
  db.prepare('INSERT INTO listing (chunk, rows, json) VALUES (?, ?, ?)').run(0, 1, JSON.stringify(first));
}
describe('the listing stored in each snapshot', () => {
  test('is written with the snapshot, read on reload, and never read once stale', async () => {
    const { root, cacheDir, newer } = await scannedRoot(cleanup);
    expect(snapshotContents(path.join(root, snapshotFileName(newer)))).toEqual({
      version: String(SCHEMA_VERSION),
      hasListing: true,
      listed: [
        { path: 'a.jpg', starred: 0 },
        { path: 'b/c.jpg', starred: 0 },
      ],
    });

    const catalog = await reopen(root, cacheDir);
    expect(catalog.list().map((e) => [e.path, e.starred])).toEqual([
      ['a.jpg', false],
      ['b/c.jpg', false],
    ]);
    // Starred but not yet saved: the snapshot's listing no longer describes the entries.
    await catalog.star('b/c.jpg');
    expect(catalog.list().map((e) => [e.path, e.starred])).toEqual([
      ['a.jpg', false],
      ['b/c.jpg', true],
    ]);
    const saved = await catalog.save();
    expect(saved).not.toBe(newer);
    expect(catalog.list().find((e) => e.path === 'b/c.jpg')?.starred).toBe(true);
    await catalog.close();

    expect(snapshotContents(path.join(root, snapshotFileName(saved!))).listed).toEqual([
      { path: 'a.jpg', starred: 0 },
      { path: 'b/c.jpg', starred: 1 },
    ]);
    const reloaded = await reopen(root, cacheDir);
    expect(reloaded.loadInfo.catalogMd5).toBe(saved);
    expect(reloaded.list().map((e) => [e.path, e.starred])).toEqual([
      ['a.jpg', false],
      ['b/c.jpg', true],
    ]);
  });

  test('a version 1 snapshot, which has none, loads and gains one when next saved', async () => {
    const { root, cacheDir, newer } = await scannedRoot(cleanup);
    // The same catalog as an older release wrote it: no listing table, schema version 1.
    const work = await tempDir('v1');
    cleanup.push(work);
    const edited = path.join(work, 'edited.sqlite');
    const v1File = path.join(work, 'v1.sqlite');
    await writeFile(edited, await readFile(path.join(root, snapshotFileName(newer))));
    const db = new Database(edited);
    db.exec(
      `DROP TABLE listing; DROP TABLE unlisted; DROP INDEX entries_with_sidecar; UPDATE version SET value = '1' WHERE key = 'schema_version'`,
    );
    db.prepare('VACUUM INTO ?').run(v1File);
    db.close();
    const v1Bytes = await readFile(v1File);
    const v1Md5 = md5Hex(v1Bytes);
    await writeFile(path.join(root, snapshotFileName(v1Md5)), v1Bytes);
    await writeFile(path.join(root, POINTER_FILE), formatPointer([v1Md5]));

    const catalog = await reopen(root, cacheDir);
    expect(catalog.loadInfo).toMatchObject({ source: 'root', catalogMd5: v1Md5 });
    expect(catalog.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg']);
    await catalog.star('a.jpg');
    const saved = await catalog.save();
    expect(await newestIn(root)).toBe(saved);
    expect(snapshotContents(path.join(root, snapshotFileName(saved!)))).toEqual({
      version: String(SCHEMA_VERSION),
      hasListing: true,
      listed: [
        { path: 'a.jpg', starred: 1 },
        { path: 'b/c.jpg', starred: 0 },
      ],
    });
  });

  test('streamed a chunk at a time: a chunk that fails its checks is replaced by the entries after the last path given', async () => {
    const { root, cacheDir } = await scannedRoot(cleanup);
    const source = await createLocalSource({ root });
    // Two chunks of one row each. The first says a.jpg is starred where its entry does not, so that
    // the rows show which table they came from; the second is no JSON at all.
    await replaceSnapshot(source, cacheDir, (db) => {
      writeStarredFirstChunk(db);
      db.prepare('INSERT INTO listing (chunk, rows, json) VALUES (?, ?, ?)').run(1, 1, '[not json');
    });
    const catalog = await reopen(root, cacheDir);
    const chunks = [...catalog.listChunks()].map((chunk) => chunk.map((e) => [e.path, e.starred]));
    expect(chunks).toEqual([[['a.jpg', true]], [['b/c.jpg', false]]]);
    expect(catalog.list().map((e) => [e.path, e.starred])).toEqual([
      ['a.jpg', true],
      ['b/c.jpg', false],
    ]);
  });

  test('a listing whose row counts do not add up to the entries is not read at all', async () => {
    const { root, cacheDir } = await scannedRoot(cleanup);
    const source = await createLocalSource({ root });
    // Valid chunks that would star a.jpg, but they claim one row fewer than there are entries.
    await replaceSnapshot(source, cacheDir, writeStarredFirstChunk);
    const catalog = await reopen(root, cacheDir);
    expect([...catalog.listChunks()].flat().map((e) => [e.path, e.starred])).toEqual([
      ['a.jpg', false],
      ['b/c.jpg', false],
    ]);
  });
});
