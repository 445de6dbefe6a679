import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { VERIFIED_FILE } from '@photolala/core/internals';
import type Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';
import { replaceSnapshot } from '../support/craft-snapshot.js';

// Issue 20, item 8: a snapshot is untrusted input even when it hashes to its name (anyone who can
// write the root can name a crafted file by its MD5). Its rows must not reach a command.

const { cleanup, opened } = cleanupAfterEach();

/** Entries are edited and the listing dropped, so that entries are what a catalog would list. */
const inEntries =
  (sql: string, ...params: unknown[]) =>
  (db: Database.Database) => {
    db.prepare(sql).run(...params);
    db.exec('DELETE FROM listing');
  };

const crafted: { name: string; edit: (db: Database.Database) => void; reason: RegExp }[] = [
  {
    name: 'a path climbing out of the root',
    edit: inEntries(`UPDATE entries SET path = '../../etc/shadow' WHERE path = 'a.jpg'`),
    reason: /"\.\.\/\.\.\/etc\/shadow".*"\.\." segment/,
  },
  {
    name: 'an absolute path',
    edit: inEntries(`UPDATE entries SET path = '/etc/passwd' WHERE path = 'a.jpg'`),
    reason: /"\/etc\/passwd".*absolute/,
  },
  {
    name: 'a path holding a NUL',
    edit: inEntries(`UPDATE entries SET path = ? WHERE path = 'a.jpg'`, 'a\0.jpg'),
    reason: /"a\\u0000\.jpg".*control character/,
  },
  {
    name: 'a path not in NFC',
    edit: inEntries(`UPDATE entries SET path = ? WHERE path = 'a.jpg'`, 'cafe\u0301.jpg'),
    reason: /not in NFC/,
  },
  {
    name: 'a photo-md5 that is a path',
    edit: inEntries(`UPDATE entries SET photo_md5 = '../../../tmp/pwned' WHERE path = 'a.jpg'`),
    reason: /"a\.jpg".*photo-md5 "\.\.\/\.\.\/\.\.\/tmp\/pwned"/,
  },
  {
    name: 'a fast-photo-key of another form',
    edit: inEntries(`UPDATE entries SET fast_photo_key = 'ABC:12' WHERE path = 'a.jpg'`),
    reason: /"a\.jpg".*fast-photo-key "ABC:12"/,
  },
  {
    name: 'a group id holding terminal escapes',
    edit: inEntries(
      `UPDATE entries SET group_id = ?, role = 'primary' WHERE path = 'a.jpg'`,
      '\u001b]0;pwned\u0007',
    ),
    reason: /"a\.jpg".*group .*control character/,
  },
  {
    name: 'an unknown kind',
    edit: inEntries(`UPDATE entries SET kind = 'exe' WHERE path = 'a.jpg'`),
    reason: /"a\.jpg".*kind "exe"/,
  },
  {
    name: 'an external id that is a path',
    edit: inEntries(`UPDATE entries SET external_id = '../x' WHERE path = 'a.jpg'`),
    reason: /"a\.jpg".*external id "\.\.\/x"/,
  },
  {
    name: 'a path that is not text',
    edit: inEntries(`UPDATE entries SET path = CAST('z.jpg' AS BLOB) WHERE path = 'a.jpg'`),
    reason: /path is not text/,
  },
  {
    name: 'a star-queue row for a path outside the root',
    edit: (db) =>
      db
        .prepare(
          `INSERT INTO star_queue (operation, photo_md5, fast_photo_key, path, at_ms, state)
           SELECT 'star', photo_md5, fast_photo_key, '../../etc/shadow', 0, 'pending' FROM entries WHERE path = 'a.jpg'`,
        )
        .run(),
    reason: /star queue.*"\.\.\/\.\.\/etc\/shadow"/,
  },
  {
    name: 'a listing whose rows are not the entries',
    edit: (db) => db.exec(`UPDATE listing SET json = replace(json, '"a.jpg"', '"../../etc/shadow"')`),
    reason: /listing.*"\.\.\/\.\.\/etc\/shadow"/,
  },
];

async function open(root: string, cacheDir: string) {
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  return catalog;
}

describe('a snapshot whose rows are not to be trusted is refused', () => {
  test.each(crafted)(
    '$name: the older snapshot loads instead, and the refusal names the row',
    async ({ edit, reason }) => {
      const { root, cacheDir, newer } = await scannedRoot(cleanup, { twice: true });
      const bad = await replaceSnapshot(await createLocalSource({ root }), cacheDir, edit, {
        keepOlder: true,
      });
      const catalog = await open(root, cacheDir);
      expect(catalog.loadInfo).toMatchObject({ source: 'older', catalogMd5: newer });
      const refusals = catalog.loadInfo.skipped.filter((s) => s.catalogMd5 === bad);
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) expect(refusal.reason).toMatch(reason);
      expect(catalog.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg', 'd.jpg']);
      expect(catalog.starQueue()).toEqual([]);
    },
  );

  test('a refusal is not remembered: a settled crafted copy is refused on every open', async () => {
    const { root, cacheDir, mirror, newer } = await scannedRoot(cleanup, { twice: true });
    const bad = await replaceSnapshot(await createLocalSource({ root }), cacheDir, crafted[0]!.edit, {
      keepOlder: true,
    });
    // Old enough to be fingerprinted: a copy found good now would be trusted unread next time.
    await sleep(2100);
    for (let round = 0; round < 2; round++) {
      const catalog = await open(root, cacheDir);
      expect(catalog.loadInfo.catalogMd5).toBe(newer);
      expect(catalog.loadInfo.skipped.some((s) => s.catalogMd5 === bad)).toBe(true);
      await catalog.close();
      opened.pop();
    }
    expect(await readFile(path.join(mirror, VERIFIED_FILE), 'utf8')).not.toContain(bad);
  });

  test('good rows load: non-ASCII paths in NFC, an Apple photo id, a video, a failed entry, and a column a newer version added', async () => {
    const { root, cacheDir } = await scannedRoot(cleanup);
    const good = await replaceSnapshot(await createLocalSource({ root }), cacheDir, (db) => {
      db.exec('ALTER TABLE entries ADD COLUMN added_later TEXT');
      db.prepare(
        `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, kind, status, external_id, photo_md5)
         SELECT ?, fast_photo_key, size, mtime_ms, kind, status, ?, photo_md5 FROM entries WHERE path = 'a.jpg'`,
      ).run('Fotos/caf\u00e9 \u6771\u4eac.jpg', 'A1B2C3D4-0000-4000-8000-0123456789AB');
      db.exec(`UPDATE entries SET kind = 'video' WHERE path = 'a.jpg'`);
      // A failed entry whose head could not be read has no fast-photo-key.
      db.exec(
        `UPDATE entries SET fast_photo_key = '', photo_md5 = NULL, status = 'failed', reason = 'IO' WHERE path = 'b/c.jpg'`,
      );
      db.exec('DELETE FROM listing');
    });
    const catalog = await open(root, cacheDir);
    expect(catalog.loadInfo).toMatchObject({ source: 'root', catalogMd5: good });
    expect(catalog.list().map((e) => e.path)).toEqual([
      'Fotos/caf\u00e9 \u6771\u4eac.jpg',
      'a.jpg',
      'b/c.jpg',
    ]);
  });
});
