import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';
import { replaceSnapshot } from '../support/craft-snapshot.js';

// issue 20, item 9: a catalog made before a file named as an image had to be one holds such a file
// as a plain `other`, unchanged by stat. The next scan reads it once more and reports it.

const { cleanup, opened } = cleanupAfterEach();

test('a .png of text that an older catalog recorded as `other` is reported by the next scan', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  await writeFile(path.join(root, 'x.png'), 'not a picture at all, only words\n');
  await writeFile(path.join(root, 'y.txt'), 'a note\n');
  const source = await createLocalSource({ root });
  let catalog = await openCatalog(source, { cacheDir });
  const first = await catalog.scan();
  expect(first.failed.map((f) => f.path)).toEqual(['x.png']);
  await catalog.close();

  // What the scan of an older version recorded: an ok `other` row with its key.
  await replaceSnapshot(source, cacheDir, (db) => {
    db.prepare(`UPDATE entries SET status = 'ok', reason = NULL WHERE path = 'x.png'`).run();
  });
  catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  expect(catalog.get('x.png')).toMatchObject({ status: 'ok', kind: 'other' });

  const again = await catalog.scan();
  expect(again.failed).toEqual([
    {
      path: 'x.png',
      reason:
        'CORRUPT: not an image: its bytes are not PNG nor any other image format, though its name says .png',
    },
  ]);
  expect(catalog.get('x.png')).toMatchObject({ status: 'failed', kind: 'other' });
  // The note and the photos were not read again.
  expect(again.unchanged).toBe(3);
  expect(catalog.get('y.txt')).toMatchObject({ status: 'ok', kind: 'other' });
});
