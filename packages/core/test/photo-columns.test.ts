import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { createSchema } from '../src/catalog/schema.js';
import { readPhotoColumns } from '../src/compare/catalog-reads.js';

const md5 = (digit: string) => digit.repeat(32);

function catalogDb(rows: [path: string, photoMd5: string | null, size: number, kind?: string][]) {
  const db = new Database(':memory:');
  createSchema(db, 'file:///columns', 0);
  const insert = db.prepare(
    `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, photo_md5, kind, status) VALUES (?, ?, ?, 0, ?, ?, 'ok')`,
  );
  for (const [path, photoMd5, size, kind] of rows)
    insert.run(path, `${md5('0')}:${size}`, size, photoMd5, kind ?? 'jpeg');
  return db;
}

describe('readPhotoColumns', () => {
  test('reads the photos in path order; a row whose photo-md5 is not one counts as unchecked', () => {
    const db = catalogDb([
      ['b.jpg', md5('b'), 20],
      ['a.jpg', md5('a'), 10],
      ['evil.jpg', '../../../tmp/pwned', 30],
      ['upper.jpg', md5('A'), 40],
      ['failed.jpg', null, 50],
      ['notes.txt', null, 60, 'other'],
    ]);
    expect(readPhotoColumns(db)).toEqual({
      paths: ['a.jpg', 'b.jpg'],
      photoMd5s: [md5('a'), md5('b')],
      sizes: [10, 20],
      unchecked: { count: 3, bytes: 120, paths: ['failed.jpg', 'evil.jpg', 'upper.jpg'] },
      unlisted: [],
    });
  });

  test('is read once while the database does not change, and again after a change', () => {
    const db = catalogDb([['a.jpg', md5('a'), 10]]);
    const first = readPhotoColumns(db);
    expect(readPhotoColumns(db)).toBe(first);
    db.prepare(`UPDATE entries SET photo_md5 = ? WHERE path = 'a.jpg'`).run(md5('c'));
    const changed = readPhotoColumns(db);
    expect(changed).not.toBe(first);
    expect(changed.photoMd5s).toEqual([md5('c')]);
  });
});
