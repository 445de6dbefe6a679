import { appendFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { countingSource, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

/**
 * Enough files in enough folders that the local walk hands most folders to its listing worker and the
 * stat index's table is large: a rescan must still single out each file whose size, mtime or
 * presence changed, and read nothing else.
 */
const FOLDERS = 40;
const PER_FOLDER = 80;

describe('an unchanged rescan among many files', () => {
  test('finds the one grown, the one rewritten at the same size, the one added and the one removed', async () => {
    const root = await tempDir('many');
    const cacheDir = await tempDir('many-cache');
    cleanup.push(root, cacheDir);
    const files: Record<string, string> = {};
    for (let f = 0; f < FOLDERS; f++)
      for (let i = 0; i < PER_FOLDER; i++) files[`d${f}/n${i}.txt`] = `note ${f} ${i}`;
    await writeTree(root, files);
    const first = await openCatalog(await createLocalSource({ root }), { cacheDir });
    opened.push(first);
    expect((await first.scan()).added).toHaveLength(FOLDERS * PER_FOLDER);
    await first.close();

    const grown = 'd17/n42.txt';
    const rewritten = 'd31/n5.txt';
    const touched = 'd3/n77.txt';
    await appendFile(path.join(root, grown), '!');
    // Same size, other bytes, an mtime a second later: only the mtime tells.
    const before = await stat(path.join(root, rewritten));
    await writeFile(path.join(root, rewritten), files[rewritten]!.replace('note', 'NOTE'));
    await utimes(path.join(root, rewritten), before.atime, new Date(before.mtimeMs + 1000));
    // Same bytes, a new mtime: looked at (its head), but not a change.
    const touchedBefore = await stat(path.join(root, touched));
    await utimes(path.join(root, touched), touchedBefore.atime, new Date(touchedBefore.mtimeMs + 2000));
    await writeFile(path.join(root, 'd20/new.txt'), 'new note');
    await rm(path.join(root, 'd9/n13.txt'));

    const source = countingSource(await createLocalSource({ root, readOnly: true }));
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    const status = await catalog.status();
    expect(status.added).toEqual(['d20/new.txt']);
    expect(status.removed).toEqual(['d9/n13.txt']);
    expect(status.changed).toEqual([rewritten, grown].sort());
    expect(status.moved).toEqual([]);
    expect(status.unchanged).toBe(FOLDERS * PER_FOLDER - 3);
    // Only the files whose stat changed had their heads read.
    expect([...source.heads.keys()].sort()).toEqual(['d20/new.txt', grown, rewritten, touched].sort());
    expect(source.fulls.size).toBe(
      [...source.fulls.keys()].filter((p) => p.startsWith('.photolala.')).length,
    );
  });
});
