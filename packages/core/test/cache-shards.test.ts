import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isCacheShardName, PhotoCache } from '../src/cache/cache.js';
import { pruneCache } from '../src/cache/cache-prune.js';
import { isPhotolalaError } from '../src/source/errors.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const md5 = (digit: string) => digit.repeat(32);

describe('cache writes', () => {
  test('a shard folder removed while the cache is in use is made again on the next write', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'photolala-cache-gone-'));
    dirs.push(root);
    const cache = new PhotoCache(root);
    await cache.writeThumbnail('local', md5('a'), Buffer.from('first'));
    // As a user clearing the cache, or a prune, would while a scan runs.
    await rm(path.join(root, 'local'), { recursive: true, force: true });
    const written = await cache.writeThumbnail('local', `${'a'.repeat(31)}b`, Buffer.from('second'));
    expect(await readFile(written, 'utf8')).toBe('second');
    await cache.writeMetadata('local', md5('a'), { a: 1 });
    expect(JSON.parse(await readFile(cache.pathsFor('local', md5('a')).metadata, 'utf8'))).toEqual({ a: 1 });
  });
});

describe("a third-party backend's own cache shard", () => {
  test('keeps its photos apart, by photo-md5, under its name', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'photolala-shards-'));
    dirs.push(root);
    const cache = new PhotoCache(root);
    expect(cache.pathsFor('my-nas', md5('a')).thumbnail).toBe(
      path.join(root, 'my-nas', 'thumbnails', 'aa', `${md5('a')}.jpg`),
    );
    expect(cache.pathsFor('local', md5('a')).thumbnail).not.toBe(
      cache.pathsFor('my-nas', md5('a')).thumbnail,
    );
  });

  test('a name that could leave the cache, or meet its mirror and tmp folders, is refused', () => {
    const cache = new PhotoCache('/tmp/cache');
    for (const shard of ['../etc', 'a/b', '', 'tmp', 'Upper', '0abc', md5('b'), 'x'.repeat(25)]) {
      expect(isCacheShardName(shard), shard).toBe(false);
      let error: unknown;
      try {
        cache.pathsFor(shard, md5('a'));
      } catch (caught) {
        error = caught;
      }
      expect(isPhotolalaError(error, 'INVALID_ARGUMENT'), shard).toBe(true);
    }
    for (const shard of ['local', 's3', 'my-nas', 'x'.repeat(24)]) expect(isCacheShardName(shard)).toBe(true);
  });

  test('cache prune counts and removes its photos like the others', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'photolala-shards-'));
    dirs.push(root);
    const cache = new PhotoCache(root);
    const old = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    for (const [shard, key] of [
      ['my-nas', md5('a')],
      ['local', md5('b')],
    ] as const) {
      const file = await cache.writeThumbnail(shard, key, new Uint8Array(10_000));
      await utimes(file, old, old);
    }
    const report = await pruneCache(root, { maxBytes: 0 });
    expect([report.photosBefore, report.removedPhotos]).toEqual([2, 2]);
  });
});
