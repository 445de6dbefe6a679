import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type Catalog, openCatalog, PhotoCache } from '@photolala/core';
import { afterEach } from 'vitest';
import { FIXTURES, syntheticJpeg, tempDir, writeTree } from './fs.js';

/**
 * What a test file opens and makes, undone after each test: push catalogs to `opened` and temp
 * folders to `cleanup`. Every catalog is closed and every folder removed (its mode restored first, for
 * tests that make one read-only) even when one close fails; the first failure then fails the test.
 */
export function cleanupAfterEach(): { cleanup: string[]; opened: Catalog[] } {
  const cleanup: string[] = [];
  const opened: Catalog[] = [];
  afterEach(async () => {
    const failures: unknown[] = [];
    for (const catalog of opened.splice(0)) await catalog.close().catch((error) => failures.push(error));
    for (const dir of cleanup.splice(0)) {
      await chmod(dir, 0o755).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
    if (failures.length) throw failures[0];
  });
  return { cleanup, opened };
}

/**
 * A temp root holding `a.jpg` and `b/c.jpg`, catalogued and closed, with its cache folder and
 * mirror; `cleanup` collects the temp folders. With `twice`, `d.jpg` is added and the root scanned
 * again, so it has an older and a newer snapshot.
 */
export async function scannedRoot(cleanup: string[], { twice = false } = {}) {
  const root = await tempDir('root');
  const cacheDir = await tempDir('cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, { 'a.jpg': await syntheticJpeg(1), 'b/c.jpg': await syntheticJpeg(2) });
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  const older = (await catalog.scan()).catalogMd5;
  let newer = older;
  if (twice) {
    await writeFile(path.join(root, 'd.jpg'), await syntheticJpeg(3));
    newer = (await catalog.scan()).catalogMd5;
  }
  await catalog.close();
  const mirror = new PhotoCache(cacheDir).mirrorDir(`file://${root}`);
  return { root, cacheDir, mirror, older, newer };
}

/**
 * A temp root holding the real photos `names` (from fixtures/real) under `photos/`, scanned by a
 * catalog left open; the folders go to `cleanup`, the catalog to `opened`.
 */
export async function scannedPhotos(
  names: readonly string[],
  { cleanup, opened }: { cleanup: string[]; opened: Catalog[] },
) {
  const root = await tempDir('root');
  const cacheDir = await tempDir('cache');
  cleanup.push(root, cacheDir);
  const files: Record<string, Buffer> = {};
  for (const name of names) files[`photos/${name}`] = await readFile(path.join(FIXTURES, name));
  await writeTree(root, files);
  const source = await createLocalSource({ root });
  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  await catalog.scan();
  return { root, cacheDir, source, catalog };
}
