import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { POINTER_FILE, parsePointer, snapshotFileName } from '@photolala/core/internals';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

// `list --json` prints a long listing a chunk (5,000 rows) at a time as it reads it: the lines must
// be exactly those of every row of the snapshot, in path order, across chunk boundaries.

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('list --json over more than one chunk of the stored listing prints every row once, in order', async () => {
  const root = await tempDir('list-stream-root');
  const cacheDir = await tempDir('list-stream-cache');
  cleanup.push(root, cacheDir);
  // Files that are no photos: catalogued from their stat and head alone, so 12,001 scan quickly.
  for (let folder = 0; folder < 12; folder++) {
    await mkdir(path.join(root, `f${folder}`));
    for (let i = 0; i < 1000; i++)
      await writeFile(path.join(root, `f${folder}`, `n${i}.txt`), `${folder}/${i}`);
  }
  await writeFile(path.join(root, 'last.txt'), 'last');
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args]);
  expect((await cli('scan', root)).code).toBe(0);

  const md5 = parsePointer(await readFile(path.join(root, POINTER_FILE), 'utf8'))[0]!;
  const db = new Database(path.join(root, snapshotFileName(md5)), { readonly: true });
  const rows = db
    .prepare('SELECT path, fast_photo_key, size, mtime_ms, starred FROM entries ORDER BY path')
    .all() as { path: string; fast_photo_key: string; size: number; mtime_ms: number; starred: number }[];
  const chunks = db.prepare('SELECT count(*) FROM listing').pluck().get() as number;
  db.close();
  expect(rows).toHaveLength(12_001);
  expect(chunks).toBeGreaterThan(2);
  const expected = rows.map(
    (r) =>
      `{"path":${JSON.stringify(r.path)},"fastPhotoKey":"${r.fast_photo_key}","photoMd5":null,"size":${r.size},"mtimeMs":${r.mtime_ms},"kind":"other","takenAt":null,"width":null,"height":null,"starred":${r.starred === 1},"status":"ok"}`,
  );

  const listed = await cli('list', root, '--json');
  expect(listed.code).toBe(0);
  expect(listed.stdout).toBe(`${expected.join('\n')}\n`);
  expect(listed.stdout).toContain('{"path":"f5/n500.txt"');
  // One line per file either way: no file here is in a group.
  expect((await cli('list', root, '--all', '--json')).stdout).toBe(listed.stdout);
});
