import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { selectEntryArrays, selectEntryColumns } from '../src/catalog/bulk-read.js';
import { createSchema } from '../src/catalog/schema.js';

/** 12,345 entries: more than two chunks of 5,000, so every chunk boundary is crossed. */
function catalogDb(): { db: Database.Database; paths: string[] } {
  const db = new Database(':memory:');
  createSchema(db, 'file:///bulk', 0);
  const insert = db.prepare(
    `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, kind, starred, status)
     VALUES (?, ?, ?, ?, 'jpeg', ?, 'ok')`,
  );
  const paths: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < 12_345; i++) {
      const path = `d${i % 7}/p${i}.jpg`;
      paths.push(path);
      insert.run(path, `${'0'.repeat(32)}:${i}`, i, 1_700_000_000_000 + i, i % 3 === 0 ? 1 : 0);
    }
  })();
  return { db, paths: paths.sort() };
}

const none = { sql: [], params: [] };

describe('bulk reads of the entries table', () => {
  test('every row comes back once, in path order, with its columns', () => {
    const { db, paths } = catalogDb();
    const rows = [...selectEntryArrays(db, ['path', 'size', 'starred'], none)].flat();
    expect(rows.map((row) => row[0])).toEqual(paths);
    for (const [path, size] of rows) expect(`p${size}.jpg`).toBe((path as string).split('/')[1]);
  });

  test('paging with `after` and `limit` across chunk boundaries, and with a filter', () => {
    const { db, paths } = catalogDb();
    const page = (after: string | undefined, limit: number) =>
      [...selectEntryArrays(db, ['path'], none, { ...(after ? { after } : {}), limit })]
        .flat()
        .map((r) => r[0]);
    expect(page(undefined, 5_001)).toEqual(paths.slice(0, 5_001));
    expect(page(paths[4_999], 5_000)).toEqual(paths.slice(5_000, 10_000));
    expect(page(paths[9_999], 5_000)).toEqual(paths.slice(10_000));
    expect(page(paths.at(-1), 10)).toEqual([]);
    const starred = [
      ...selectEntryArrays(db, ['path', 'starred'], { sql: ['starred = ?'], params: [1] }),
    ].flat();
    expect(starred.length).toBe(4_115);
    expect(starred.every((row) => row[1] === 1)).toBe(true);
    expect(starred.map((row) => row[0])).toEqual([...starred.map((row) => row[0])].sort());
  });

  test('columns of every row, one array per column', () => {
    const { db, paths } = catalogDb();
    const chunks = [...selectEntryColumns(db, ['path', 'size'])];
    expect(chunks.length).toBe(3);
    const all = chunks.flatMap(([path, size]) => path!.map((p, i) => [p, size![i]]));
    expect(all.map(([p]) => p).sort()).toEqual(paths);
    for (const [path, size] of all) expect(`p${size}.jpg`).toBe((path as string).split('/')[1]);
  });
});
