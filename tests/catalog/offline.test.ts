import { readFile, rm } from 'node:fs/promises';
import { createLocalSource } from '@photolala/backend-local';
import { isPhotolalaError, openCatalog } from '@photolala/core';
import { md5Hex, unreachableSource } from '@photolala/core/internals';
import { expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';

const { cleanup, opened } = cleanupAfterEach();

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

test('a root that cannot be reached opens as the cache mirror’s copy: list, thumbnails, metadata and stars work, a scan says why not', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  const online = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(online);
  const thumbnail = await readFile(await online.thumbnail('a.jpg'));
  const entries = online.list().map((e) => [e.path, e.photoMd5]);
  await online.close();
  opened.length = 0;

  const offline = await openCatalog(unreachableSource(`file://${root}`, 'local', refused), { cacheDir });
  opened.push(offline);
  expect(offline.loadInfo.source).toBe('mirror');
  expect(offline.loadInfo.offline?.reason).toContain('ECONNREFUSED');
  expect(Date.parse(offline.loadInfo.offline?.savedAt ?? '')).toBeGreaterThan(Date.now() - 3_600_000);
  expect(offline.list().map((e) => [e.path, e.photoMd5])).toEqual(entries);
  expect(md5Hex(await readFile(await offline.thumbnail('a.jpg')))).toBe(md5Hex(thumbnail));
  const metadata = JSON.parse(await readFile(await offline.metadata('b/c.jpg'), 'utf8'));
  expect(metadata.photoMd5).toBe(entries.find(([p]) => p === 'b/c.jpg')?.[1]);
  const scan = await offline.scan().catch((error: unknown) => error);
  expect(isPhotolalaError(scan, 'UNAVAILABLE')).toBe(true);
  expect(String(scan)).toContain('cannot be reached');

  // A star made offline is kept in the mirror, and the root's catalog has it once reached again.
  await offline.star('b/c.jpg');
  await offline.close();
  opened.length = 0;
  const back = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(back);
  expect(back.list({ starred: true }).map((e) => e.path)).toEqual(['b/c.jpg']);
});

test('a thumbnail not in the cache cannot be made offline, and the error says the root is unreachable', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  await rm(`${cacheDir}/local/thumbnails`, { recursive: true, force: true });
  const offline = await openCatalog(unreachableSource(`file://${root}`, 'local', refused), { cacheDir });
  opened.push(offline);
  const error = await offline.thumbnail('a.jpg').catch((e: unknown) => e);
  expect(isPhotolalaError(error, 'UNAVAILABLE')).toBe(true);
  expect(String(error)).toContain(`file://${root} cannot be reached`);
});

test('a reachable root has no offline mark', async () => {
  const { root, cacheDir } = await scannedRoot(cleanup);
  const online = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(online);
  expect(online.loadInfo.offline).toBeUndefined();
});
