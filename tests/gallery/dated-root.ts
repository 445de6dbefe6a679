import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import type { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

/**
 * A scanned local root of `files`, each dated (by mtime) on `dates[NAME]` if given (synthetic photos
 * have no capture date); its catalog is left open. What it makes goes to `made`, undone after the test.
 */
export async function scannedRoot(
  made: ReturnType<typeof cleanupAfterEach>,
  files: Record<string, Uint8Array>,
  dates: Record<string, Date> = {},
) {
  const root = await tempDir('gallery-dated');
  const cacheDir = await tempDir('gallery-dated-cache');
  made.cleanup.push(root, cacheDir);
  await writeTree(root, files);
  for (const [name, when] of Object.entries(dates)) await utimes(path.join(root, name), when, when);
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  made.opened.push(catalog);
  await catalog.scan();
  return { root, cacheDir, catalog };
}

/**
 * `count` synthetic photos named PREFIX000.jpg on (`digits` wide), `perMonth` to a month going back
 * from December 2021.
 */
export async function manyPhotos(count: number, perMonth: number, prefix = 'p', digits = 3) {
  const files: Record<string, Uint8Array> = {};
  const dates: Record<string, Date> = {};
  for (let i = 0; i < count; i++) {
    const name = `${prefix}${String(i).padStart(digits, '0')}.jpg`;
    files[name] = await syntheticJpeg(i + 1);
    dates[name] = new Date(Date.UTC(2021, 11 - Math.floor(i / perMonth), 20, 0, 0, 60 - (i % perMonth)));
  }
  return { files, dates };
}
