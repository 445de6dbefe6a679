import { rm } from 'node:fs/promises';
import { createLocalSource } from '@photolala/backend-local';
import { type CatalogEntry, entryJson, type ListOptions, openCatalog } from '@photolala/core';
import { afterAll, expect, test } from 'vitest';
import { replaceSnapshot } from '../support/craft-snapshot.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli } from './run-cli.js';

// `list --json` prints the lines SQLite makes from the rows wherever it can (Catalog.listJsonChunks).
// Over a root with awkward names and every optional field, its stdout must be byte for byte what the
// general way prints: each entry of the stored listing, as JSON.stringify(entryJson(entry)).

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const NAMES = [
  'plain.jpg',
  'a "quoted" name.jpg',
  'emoji 😀 𝄞.jpg',
  'line sep \u2028 para sep \u2029.jpg',
  'bidi \u202e override \u2066.jpg',
  'C1 \u0085 next line.jpg',
  'accents é/日本語 写真.jpg',
  'folder/deeper/notes.txt',
  'folder/photo.jpg',
  'percent %41 and &amp;.jpg',
];

// The stored listing, rebuilt from the edited rows (one chunk), as a snapshot written by a scan holds it.
const REBUILD_LISTING = `DELETE FROM listing;
  INSERT INTO listing (chunk, rows, json) SELECT 0, count(*), json_array(${[
    'path',
    'fast_photo_key',
    'size',
    'mtime_ms',
    'etag',
    'external_id',
    'photo_md5',
    'kind',
    'taken_at',
    'width',
    'height',
    'starred',
    'status',
    'reason',
    'group_id',
    'role',
    'rating',
    'keywords',
  ]
    .map((c) => `json_group_array(${c})`)
    .join(', ')}) FROM (SELECT * FROM entries ORDER BY path)`;

test('list --json prints the same bytes as the entries it lists, for odd names and every field', async () => {
  const root = await tempDir('list-json-bytes-root');
  const cacheDir = await tempDir('list-json-bytes-cache');
  cleanup.push(root, cacheDir);
  const files: Record<string, Uint8Array | string> = {};
  for (const [i, name] of NAMES.entries())
    files[name] = name.endsWith('.txt') ? 'a note' : await syntheticJpeg(i + 1);
  await writeTree(root, files);
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args]);
  expect((await cli('scan', root)).code).toBe(0);
  // Values a scan writes for other files (XMP ratings and keywords, failures, an Apple photo id), set
  // on these rows. None of them sends a chunk the general way (see entry-json.test.ts for those), so
  // the lines compared are SQLite's.
  const source = await createLocalSource({ root });
  await replaceSnapshot(source, cacheDir, (db) => {
    const set = (path: string, sql: string, ...params: unknown[]) =>
      db.prepare(`UPDATE entries SET ${sql} WHERE path = ?`).run(...params, path);
    set(
      'plain.jpg',
      `rating = 5, keywords = ?, starred = 1, taken_at = '2024-05-01T10:00:00+02:00'`,
      'beach\nsun "set"\n日本',
    );
    set(
      'a "quoted" name.jpg',
      `status = 'failed', reason = ?, photo_md5 = NULL, width = NULL`,
      'truncated "JPEG"\n\tend',
    );
    set('emoji 😀 𝄞.jpg', `rating = -1, external_id = 'ABC-123:L0.001'`);
    set('line sep \u2028 para sep \u2029.jpg', `reason = 'racy-mtime'`);
    set('bidi \u202e override \u2066.jpg', `keywords = ?, reason = ''`, 'one\n');
    set('C1 \u0085 next line.jpg', `size = 0, height = NULL, status = 'failed', reason = 'racy-mtime'`);
    set('folder/photo.jpg', `starred = 1, keywords = ''`);
    db.exec(REBUILD_LISTING);
  });

  const catalog = await openCatalog(await createLocalSource({ root, readOnly: true }), {
    cacheDir: await tempDir('list-json-bytes-reader'),
  });
  const general = (filter: ListOptions) =>
    [...catalog.listChunks(filter)]
      .flat()
      .map((entry: CatalogEntry) => `${JSON.stringify(entryJson(entry))}\n`)
      .join('');
  try {
    const all = general({});
    expect(catalog.loadInfo.source).toBe('root');
    // The edited values are there to be compared: the general way reads them too.
    expect(all).toContain('"keywords":["beach","sun \\"set\\"","日本"]');
    expect(all).toContain('"reason":"racy-mtime"');
    expect(all).toContain('"path":"emoji 😀 𝄞.jpg"');
    expect(all.split('\n')).toHaveLength(NAMES.length + 1);
    for (const [args, filter] of [
      [[], {}],
      [['--all'], {}],
      [['--starred'], { starred: true }],
      [['--kind', 'other'], { kind: 'other' }],
      [['folder'], { directory: 'folder' }],
    ] as [string[], ListOptions][]) {
      const listed = await cli('list', root, ...args, '--json');
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout, args.join(' ')).toBe(general(filter));
    }
  } finally {
    await catalog.close();
  }
});
