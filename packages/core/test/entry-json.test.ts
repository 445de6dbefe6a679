import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { LINE_CHUNK_ROWS, selectEntryArrays, selectLines } from '../src/catalog/bulk-read.js';
import { ENTRY_JSON_CHECKS, ENTRY_JSON_SQL, entryJson, plainEntryJson } from '../src/catalog/entry-json.js';
import { ENTRY_COLUMN_LIST, entryFromArray } from '../src/catalog/entry-row.js';
import { RACY_MTIME } from '../src/catalog/racy-mtime.js';
import { createSchema } from '../src/catalog/schema.js';

// `list --json` prints most lines as SQLite makes them (ENTRY_JSON_SQL) and the rest from entries
// (JSON.stringify of entryJson): both must give the same bytes for every row, however odd its
// values, or the chunk must be read the general way. Each case below compares the two byte for byte.

const none = { sql: [], params: [] };
const MD5 = 'b200479088cdfc625c8a37b2f563c1fd';

type Row = Partial<Record<(typeof ENTRY_COLUMN_LIST)[number], unknown>>;

/** A row the catalog itself would write, with `row`'s columns over it. */
const plainRow = (path: string, row: Row = {}): Row => ({
  path,
  fast_photo_key: `${MD5}:36217`,
  size: 36_217,
  mtime_ms: 1_796_593_918_688,
  photo_md5: MD5,
  kind: 'jpeg',
  width: 320,
  height: 240,
  starred: 0,
  status: 'ok',
  ...row,
});

/**
 * A database with the catalog's schema holding `rows`; with `untyped`, its entries table declares
 * no column types, so that values keep whatever storage class they are given (an integral REAL, a
 * number where text belongs), as in a crafted snapshot.
 */
function databaseWith(rows: Row[], { untyped = false } = {}): Database.Database {
  const db = new Database(':memory:');
  createSchema(db, 'file:///entry-json', 0);
  if (untyped) {
    db.exec('DROP TABLE entries');
    db.exec(
      `CREATE TABLE entries (${ENTRY_COLUMN_LIST.join(', ')}, sidecar, failure_code, PRIMARY KEY (path))`,
    );
  }
  const insert = db.prepare(
    `INSERT INTO entries (${ENTRY_COLUMN_LIST.join(', ')}) VALUES (${ENTRY_COLUMN_LIST.map(() => '?').join(', ')})`,
  );
  db.transaction(() => {
    for (const row of rows) insert.run(...ENTRY_COLUMN_LIST.map((column) => row[column] ?? null));
  })();
  return db;
}

/** The general way: each row read as an entry, and printed as JavaScript prints it. */
function generalLines(db: Database.Database): string {
  return [...selectEntryArrays(db, ENTRY_COLUMN_LIST, none)]
    .flat()
    .map((row) => `${JSON.stringify(entryJson(entryFromArray(row)))}\n`)
    .join('');
}

/** The way `list --json` reads: SQLite's lines where a chunk allows, entries elsewhere. */
function fastLines(db: Database.Database): { text: string; made: number; read: number } {
  let text = '';
  let made = 0;
  let read = 0;
  for (const chunk of selectLines(db, ENTRY_JSON_SQL, ENTRY_JSON_CHECKS, plainEntryJson, none)) {
    if (chunk.lines !== undefined) {
      text += chunk.lines;
      made += chunk.count;
      continue;
    }
    const page = { after: chunk.after, limit: chunk.count };
    for (const rows of selectEntryArrays(db, ENTRY_COLUMN_LIST, none, page))
      for (const row of rows) text += `${JSON.stringify(entryJson(entryFromArray(row)))}\n`;
    read += chunk.count;
  }
  return { text, made, read };
}

/** Both ways over `rows`; returns how many lines SQLite made. */
function expectSameBytes(rows: Row[], options: { untyped?: boolean } = {}): number {
  const db = databaseWith(rows, options);
  const general = generalLines(db);
  const fast = fastLines(db);
  expect(fast.text).toBe(general);
  expect(fast.made + fast.read).toBe(rows.length);
  db.close();
  return fast.made;
}

describe('the lines of list --json made by SQLite', () => {
  test('are those JavaScript prints, for odd paths and every optional field', () => {
    const rows = [
      plainRow('a "quoted" \\ back\\slash.jpg'),
      plainRow('control \u0001\u001f\u007f\u0080\u009f \n\r\t\b\f.jpg'),
      plainRow('emoji 😀 𝄞 and U+2028 \u2028 U+2029 \u2029 bidi \u202e\u2066.jpg'),
      plainRow('nfc é 日本語/写真.jpg'),
      plainRow('nul \u0000 inside.jpg'),
      plainRow('failed.jpg', {
        status: 'failed',
        reason: 'truncated "JPEG"\n',
        photo_md5: null,
        width: null,
      }),
      plainRow('failed-racy.jpg', { status: 'failed', reason: RACY_MTIME }),
      plainRow('ok-racy.jpg', { reason: RACY_MTIME }),
      plainRow('ok-empty-reason.jpg', { reason: '' }),
      plainRow('ok-reason.mov', { kind: 'video', reason: 'ffmpeg missing' }),
      plainRow('external.jpg', { external_id: 'ABC-123/L0/001' }),
      plainRow('external-empty.jpg', { external_id: '' }),
      plainRow('starred.jpg', { starred: 1, taken_at: '2024-01-01T10:00:00+02:00' }),
      plainRow('starred-other.jpg', { starred: 2 }),
      plainRow('status-other.jpg', { status: 'OK' }),
      plainRow('rated.jpg', { rating: 5 }),
      plainRow('rejected.jpg', { rating: -1 }),
      plainRow('rating-high.jpg', { rating: 6 }),
      plainRow('keywords.jpg', { keywords: 'beach\nsun "set"\n\n日本\t😀' }),
      plainRow('keywords-trailing.jpg', { keywords: 'one\n' }),
      plainRow('keywords-empty.jpg', { keywords: '' }),
      plainRow('everything.jpg', {
        status: 'failed',
        reason: 'why',
        external_id: 'X',
        rating: 0,
        keywords: 'a\nb',
        starred: 1,
      }),
      plainRow('negative.jpg', { size: -5, mtime_ms: -1 }),
      plainRow('unknown-kind.xyz', { kind: 'other', photo_md5: null, fast_photo_key: '' }),
    ];
    // Every one of these lines is SQLite's: no chunk was read the general way.
    expect(expectSameBytes(rows)).toBe(rows.length);
    // The largest integers that print alike, alone in their chunk (the checks bound the sum of a
    // chunk's magnitudes).
    expect(expectSameBytes([plainRow('largest.jpg', { mtime_ms: 2 ** 53 - 1 })])).toBe(1);
    expect(expectSameBytes([plainRow('smallest.jpg', { size: -(2 ** 53) + 1 })])).toBe(1);
  });

  test('are not used where SQLite would print a value otherwise, or the line needs other rows', () => {
    // Each of these prints differently in SQLite's JSON than in JavaScript, or depends on more than
    // its row; with any one of them in a chunk, that chunk is read as entries.
    const odd: Row[] = [
      { size: 0.30000000000000004 },
      { mtime_ms: 1_733_456_789_123.456 },
      { width: 1e20 },
      { height: 2n ** 53n + 1n },
      { size: -(2n ** 60n) },
      { rating: 2.5 },
      { rating: 3.5 },
      { keywords: 'back\\nslash\nother' },
      { group_id: 'IMG_1.HEIC', role: 'motion' },
      { group_id: 'IMG_1.HEIC', role: 'nonsense' },
      { group_id: '', role: 'primary' },
      // Text where a number belongs prints alike, but is not told apart from a REAL cheaply.
      { size: 'big', width: '' },
      { rating: 'x' },
    ];
    for (const row of odd) {
      const made = expectSameBytes([plainRow('a.jpg'), plainRow('b.jpg', row), plainRow('c.jpg')]);
      expect(made, inspect(row)).toBe(0);
    }
  });

  test('are not used for values of the wrong storage class, as a crafted snapshot holds them', () => {
    const odd: [Row, string][] = [
      [{ size: 100.0 }, 'real'],
      [{ width: 0.0 }, 'real'],
      [{ rating: 3.0 }, 'real'],
      [{ photo_md5: 5n }, 'integer'],
      [{ kind: 1.5 }, 'real'],
      [{ taken_at: 1e21 }, 'real'],
      [{ fast_photo_key: 2n ** 60n }, 'integer'],
      [{ external_id: 7n }, 'integer'],
      [{ external_id: 0n }, 'integer'],
    ];
    for (const [row, storedAs] of odd) {
      // The value kept its class, so the case tests what it says.
      const db = databaseWith([plainRow('a.jpg', row)], { untyped: true });
      const column = Object.keys(row)[0]!;
      expect(db.prepare(`SELECT typeof(${column}) FROM entries`).pluck().get()).toBe(storedAs);
      db.close();
      const made = expectSameBytes([plainRow('a.jpg'), plainRow('b.jpg', row)], { untyped: true });
      expect(made, inspect(row)).toBe(0);
    }
    // Text that is not UTF-8 (a lone surrogate's bytes): JavaScript reads U+FFFD where SQLite would
    // copy the bytes through.
    const db = databaseWith([plainRow('a.jpg')]);
    db.exec(`UPDATE entries SET taken_at = CAST(x'eda0bd' AS TEXT)`);
    const fast = fastLines(db);
    expect(fast.text).toBe(generalLines(db));
    expect(fast.text).toContain('"takenAt":"\ufffd');
    expect(fast.made).toBe(0);
  });

  test('fail as the general way fails on a BLOB it cannot print, and leave out one it does not print', () => {
    // The general way reads rows through SQLite's JSON too, which holds no BLOB: both refuse the row.
    const printed: Row[] = [
      { size: Buffer.from('blob') },
      { taken_at: Buffer.from([0xff]) },
      { external_id: Buffer.from('id') },
    ];
    for (const row of printed) {
      const db = databaseWith([plainRow('a.jpg'), plainRow('b.jpg', row)]);
      expect(() => generalLines(db)).toThrow('JSON cannot hold BLOB values');
      expect(() => fastLines(db)).toThrow('JSON cannot hold BLOB values');
      db.close();
    }
    // A reason or keywords that are no text are no part of the entry (see entryFromArray), so the
    // line is the entry's as read straight from the row.
    for (const row of [{ reason: Buffer.from('why'), status: 'failed' }, { keywords: Buffer.from('a\nb') }]) {
      const db = databaseWith([plainRow('a.jpg'), plainRow('b.jpg', row)]);
      const rows = db
        .prepare(`SELECT ${ENTRY_COLUMN_LIST.join(', ')} FROM entries ORDER BY path`)
        .raw()
        .all();
      const lines = rows.map((r) => `${JSON.stringify(entryJson(entryFromArray(r as unknown[])))}\n`);
      expect(fastLines(db).text).toBe(lines.join(''));
      db.close();
    }
  });

  test('come a chunk at a time: an odd row sends only its own chunk the general way', () => {
    const rows = Array.from({ length: 12_345 }, (_, i) =>
      plainRow(`d${i % 7}/p${String(i).padStart(5, '0')}.jpg`, {
        size: i,
        starred: i % 3 === 0 ? 1 : 0,
        ...(i % 11 === 0 ? { keywords: `k${i}\nall` } : {}),
      }),
    );
    rows[6_000] = { ...rows[6_000]!, size: 0.5 };
    const db = databaseWith(rows);
    const fast = fastLines(db);
    expect(fast.text).toBe(generalLines(db));
    expect(fast.text.split('\n').length - 1).toBe(12_345);
    expect([fast.made, fast.read]).toEqual([12_345 - LINE_CHUNK_ROWS, LINE_CHUNK_ROWS]);
    db.close();
  });
});
