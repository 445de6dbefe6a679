import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, PhotoCache } from '@photolala/core';
import { syntheticJpeg, tempDir, writeTree } from './fs.js';

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
