import { readdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { compareCatalogs, openCatalog } from '@photolala/core';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

// A card holds a photo whose name is not UTF-8 (a camera or an old OS wrote it in Latin-1). The scan
// cannot catalog it; a comparison with the backup must not call the card backed up.

const { cleanup, opened } = cleanupAfterEach();
/** `café.jpg` with the é as the one Latin-1 byte 0xE9, which is not UTF-8. */
const LATIN1_NAME = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.jpg')]);
const SHOWN = 'caf\uFFFD.jpg';

async function cardAndBackup() {
  const [card, backup, cacheDir] = await Promise.all([tempDir('card'), tempDir('backup'), tempDir('cache')]);
  cleanup.push(card, backup, cacheDir);
  await writeTree(card, { 'IMG_0001.jpg': await syntheticJpeg(1) });
  await writeFile(Buffer.concat([Buffer.from(`${card}/`), LATIN1_NAME]), await syntheticJpeg(2));
  await writeTree(backup, { 'IMG_0001.jpg': await syntheticJpeg(1) });
  return { card, backup, cacheDir };
}

test('a name that is not UTF-8 is recorded as unlisted, kept by the snapshot, and makes compare incomplete', async () => {
  const { card, backup, cacheDir } = await cardAndBackup();
  const names = readdirSync(Buffer.from(card), { encoding: 'buffer' });
  expect(names.some((n) => n.equals(LATIN1_NAME))).toBe(true);

  const source = await openCatalog(await createLocalSource({ root: card }), { cacheDir });
  const target = await openCatalog(await createLocalSource({ root: backup }), { cacheDir });
  opened.push(source, target);
  const scan = await source.scan();
  await target.scan();
  expect(scan.failed.map((f) => f.path)).toContain(SHOWN);
  const compared = compareCatalogs(source, [target]);
  expect(compared.missing.count).toBe(0);
  expect(compared.unlisted).toEqual([{ path: SHOWN, reason: expect.stringMatching(/not valid UTF-8/) }]);

  // The snapshot holds it: a later process that only reads knows of it too.
  const snapshot = path.join(card, `.photolala.${scan.catalogMd5}.sqlite`);
  const db = new Database(snapshot, { readonly: true });
  expect(db.prepare('SELECT path FROM unlisted').pluck().all()).toEqual([SHOWN]);
  db.close();
  await source.close();
  const reopened = await openCatalog(await createLocalSource({ root: card }), { cacheDir });
  opened.push(reopened);
  expect(reopened.photoColumns().unlisted.map((u) => u.path)).toEqual([SHOWN]);
  // Unchanged, the rescan writes nothing new.
  expect((await reopened.scan()).wroteNewSnapshot).toBe(false);

  // Renamed, the photo is cataloged and the list empties.
  await rename(Buffer.concat([Buffer.from(`${card}/`), LATIN1_NAME]), path.join(card, 'cafe.jpg'));
  const again = await reopened.scan();
  expect(again.added).toEqual(['cafe.jpg']);
  expect(reopened.photoColumns().unlisted).toEqual([]);
  expect(compareCatalogs(reopened, [target]).missing.count).toBe(1);
});

test('photolala compare exits 3 and names the file the scan could not catalog', async () => {
  const { card, backup, cacheDir } = await cardAndBackup();
  for (const root of [card, backup]) await runCli(['--cache-dir', cacheDir, 'scan', root]);
  const text = await runCli(['--cache-dir', cacheDir, 'compare', card, backup]);
  expect(text.code, text.stderr).toBe(3);
  expect(text.stdout).toContain('1 photo present');
  expect(text.stdout).toContain('1 file or folder not cataloged by the last scan');
  expect(text.stdout).toContain(`${SHOWN}: `);
  const json = await runCli(['--cache-dir', cacheDir, 'compare', card, backup, '--json']);
  expect(json.code).toBe(3);
  const summary = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { unlisted: { path: string }[] };
  expect(summary.unlisted.map((u) => u.path)).toEqual([SHOWN]);
});
