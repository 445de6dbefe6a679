import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, openCatalog } from '@photolala/core';
import { md5Hex, POINTER_FILE, parsePointer, snapshotFileName } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';
import { syntheticJpeg } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

/** A root scanned twice (so it has an older and a newer snapshot), with its mirror. */
const scannedTwice = () => scannedRoot(cleanup, { twice: true });

async function reopen(root: string, cacheDir: string, readOnly = false) {
  const catalog = await openCatalog(await createLocalSource({ root, readOnly }), { cacheDir });
  opened.push(catalog);
  return catalog;
}

const paths = (c: Catalog) => c.list().map((e) => e.path);

describe('reload fallbacks', () => {
  test('a truncated root snapshot falls back to the mirror copy', async () => {
    const { root, cacheDir, newer } = await scannedTwice();
    await truncate(path.join(root, snapshotFileName(newer)), 1000);
    const c = await reopen(root, cacheDir);
    expect(c.loadInfo.source).toBe('mirror');
    expect(c.loadInfo.catalogMd5).toBe(newer);
    expect(c.loadInfo.skipped).toContainEqual(
      expect.objectContaining({
        store: 'root',
        catalogMd5: newer,
        reason: expect.stringMatching(/hashes to/),
      }),
    );
    expect(paths(c)).toEqual(['a.jpg', 'b/c.jpg', 'd.jpg']);
  });

  test('garbage that hashes to its own name does not open and is skipped', async () => {
    const { root, cacheDir, mirror, newer } = await scannedTwice();
    const garbage = Buffer.from('SQLite format 3\0 but really just garbage, garbage, garbage'.repeat(200));
    const fakeMd5 = md5Hex(garbage);
    await writeFile(path.join(root, snapshotFileName(fakeMd5)), garbage);
    await writeFile(path.join(mirror, snapshotFileName(fakeMd5)), garbage);
    const pointer = `${fakeMd5}\n${(await readFile(path.join(root, POINTER_FILE), 'utf8')).trim()}\n`;
    await writeFile(path.join(root, POINTER_FILE), pointer);
    const c = await reopen(root, cacheDir);
    expect(c.loadInfo.source).toBe('older');
    expect(c.loadInfo.catalogMd5).toBe(newer);
    expect(c.loadInfo.skipped).toContainEqual(
      expect.objectContaining({ catalogMd5: fakeMd5, reason: expect.stringMatching(/does not open/) }),
    );
  });

  test('a snapshot whose hash does not match its name is skipped for the older one', async () => {
    const { root, cacheDir, mirror, older, newer } = await scannedTwice();
    for (const dir of [root, mirror]) {
      const file = path.join(dir, snapshotFileName(newer));
      const bytes = await readFile(file);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
      await writeFile(file, bytes);
    }
    const c = await reopen(root, cacheDir);
    expect(c.loadInfo).toMatchObject({ source: 'older', catalogMd5: older });
    expect(paths(c)).toEqual(['a.jpg', 'b/c.jpg']);
    expect(c.loadInfo.skipped.filter((s) => s.catalogMd5 === newer)).toHaveLength(2);
  });

  test('pointer lines that are paths or not exactly 32 hex characters are ignored', async () => {
    const { root, cacheDir, mirror, older } = await scannedTwice();
    const evil = [
      '../../etc/passwd',
      `${older}0`,
      older.toUpperCase(),
      `/${older}`,
      `${older.slice(0, 31)}`,
      older,
    ].join('\n');
    expect(parsePointer(evil)).toEqual([older]);
    await writeFile(path.join(root, POINTER_FILE), evil);
    // The mirror's pointer names a newer snapshot, which would win; without it the root's line must.
    await rm(path.join(mirror, POINTER_FILE));
    const c = await reopen(root, cacheDir);
    // The root pointer's only valid line wins; nothing was read from the other lines.
    expect(c.loadInfo).toMatchObject({ source: 'root', catalogMd5: older });
    expect(c.loadInfo.skipped.filter((s) => s.catalogMd5 !== undefined)).toEqual([]);
  });

  test('a missing root pointer falls back to the mirror', async () => {
    const { root, cacheDir, newer } = await scannedTwice();
    await rm(path.join(root, POINTER_FILE));
    const c = await reopen(root, cacheDir);
    expect(c.loadInfo).toMatchObject({ source: 'mirror', catalogMd5: newer });
    expect(c.loadInfo.skipped).toContainEqual({ store: 'root', reason: 'no pointer file' });
  });

  test('a read-only root works from the mirror, and new snapshots go to the mirror with one warning', async () => {
    const { root, cacheDir, mirror, newer } = await scannedTwice();
    await rm(path.join(root, POINTER_FILE));
    const c = await reopen(root, cacheDir, true);
    expect(c.loadInfo).toMatchObject({ source: 'mirror', catalogMd5: newer });
    const warnings: string[] = [];
    c.events.on('warning', (w) => warnings.push(w.message));
    await writeFile(path.join(root, 'e.jpg'), await syntheticJpeg(4));
    const result = await c.scan();
    expect(result.added).toEqual(['e.jpg']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/root is read-only.*mirror/);
    expect(result.snapshots).toEqual([path.join(mirror, snapshotFileName(result.catalogMd5))]);
    expect(parsePointer(await readFile(path.join(mirror, POINTER_FILE), 'utf8'))[0]).toBe(result.catalogMd5);
    await expect(readFile(path.join(root, POINTER_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('both pointers lost: the newest snapshot file is adopted; with no snapshot left, the catalog starts anew', async () => {
    const { root, cacheDir, mirror, newer } = await scannedTwice();
    await rm(path.join(root, POINTER_FILE));
    await rm(path.join(mirror, POINTER_FILE));
    const adopted = await reopen(root, cacheDir);
    expect(adopted.loadInfo).toMatchObject({ source: 'adopted', catalogMd5: newer });
    expect(paths(adopted)).toEqual(['a.jpg', 'b/c.jpg', 'd.jpg']);
    await adopted.close();
    for (const dir of [root, mirror])
      for (const name of await readdir(dir)) if (name.endsWith('.sqlite')) await rm(path.join(dir, name));
    const c = await reopen(root, cacheDir);
    expect(c.loadInfo.source).toBe('none');
    expect(paths(c)).toEqual([]);
    const result = await c.scan();
    expect(result.added).toEqual(['a.jpg', 'b/c.jpg', 'd.jpg']);
    expect(result.rendered).toBe(0); // thumbnails were still in the shared cache
  });

  test('an untrusted snapshot with a trigger is refused', async () => {
    const { root, cacheDir, mirror, older, newer } = await scannedTwice();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(await readFile(path.join(root, snapshotFileName(older))));
    db.exec(`CREATE TRIGGER evil AFTER INSERT ON entries BEGIN DELETE FROM entries; END`);
    const bytes = db.serialize();
    db.close();
    const md5 = md5Hex(bytes);
    await writeFile(path.join(root, snapshotFileName(md5)), bytes);
    await writeFile(path.join(root, POINTER_FILE), `${md5}\n`);
    await rm(path.join(mirror, POINTER_FILE));
    const c = await reopen(root, cacheDir);
    // Refused, and no pointer names another: the newest good snapshot file is adopted instead.
    expect(c.loadInfo).toMatchObject({ source: 'adopted', catalogMd5: newer });
    expect(c.loadInfo.skipped).toContainEqual(
      expect.objectContaining({ catalogMd5: md5, reason: expect.stringMatching(/unexpected trigger/) }),
    );
  });
});
