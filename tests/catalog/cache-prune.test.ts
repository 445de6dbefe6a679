import { existsSync, lstatSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, PhotoCache, pruneCache } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();
const DAY = 24 * 3600 * 1000;

/** Disk space as pruneCache counts it. */
const diskBytes = (file: string) => {
  const info = lstatSync(file);
  return info.blocks > 0 ? info.blocks * 512 : info.size;
};

async function setTimes(file: string, ms: number) {
  await utimes(file, new Date(ms), new Date(ms));
}

/** Every file under a folder with its bytes' MD5, to show what pruning did not touch. */
async function fingerprint(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(folder, { recursive: true })) {
    const full = path.join(folder, name);
    if (lstatSync(full).isFile()) out[name] = md5Hex(await readFile(full));
  }
  return out;
}

async function scannedRoot(cacheDir: string, seeds: number[]) {
  const root = await tempDir('prune-root');
  cleanup.push(root);
  const files: Record<string, Buffer> = {};
  for (const seed of seeds) files[`photo-${seed}.jpg`] = await syntheticJpeg(seed);
  await writeTree(root, files);
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  await catalog.scan();
  const md5s = catalog.list().map((entry) => entry.photoMd5!);
  await catalog.close();
  return { root, md5s, mirror: new PhotoCache(cacheDir).mirrorDir(`file://${root}`) };
}

describe('pruneCache', () => {
  test('removes least recently used photos down to the quota, sparing what recently opened roots list', async () => {
    const cacheDir = await tempDir('prune-cache');
    cleanup.push(cacheDir);
    const cache = new PhotoCache(cacheDir);
    const recent = await scannedRoot(cacheDir, [1, 2, 3]);
    const stale = await scannedRoot(cacheDir, [4, 5]);
    const now = Date.now();
    // The second root was last opened 100 days ago: its photos may go, by their own last use.
    await setTimes(stale.mirror, now - 100 * DAY);

    // Photos no catalog lists, last used 1 to 5 days ago (oldest first): one from Apple Photos. The
    // stale root's photos were last used 2.5 days ago, between the second and third orphan.
    const appleId = 'A1B2C3D4-0000-4000-8000-00000000000A';
    const orphans = [...Array(4).keys()].map((i) => md5Hex(Buffer.from(`orphan ${i}`)));
    const lastUse = new Map<string, number>([[appleId, now - 5 * DAY]]);
    for (const [i, md5] of orphans.entries()) lastUse.set(md5, now - (4 - i) * DAY);
    for (const [key, when] of lastUse) {
      const shard = key === appleId ? 'apple' : 'local';
      await setTimes(await cache.writeThumbnail(shard, key, await syntheticJpeg(when % 97)), when);
      await setTimes(await cache.writeMetadata(shard, key, { version: 1, key }), when);
    }
    for (const md5 of stale.md5s) {
      const paths = cache.pathsFor('local', md5);
      await setTimes(paths.thumbnail, now - 2.5 * DAY);
      await setTimes(paths.metadata, now - 2.5 * DAY);
    }
    // Not the cache's own files, or not regular files: left alone. A stale temp file is cleared.
    const shardFolder = path.dirname(cache.pathsFor('local', orphans[0]!).thumbnail);
    await writeFile(path.join(shardFolder, 'notes.txt'), 'mine');
    await symlink('/etc/hostname', path.join(shardFolder, `${'f'.repeat(32)}.jpg`));
    await writeFile(path.join(shardFolder, '.photolala-tmp-old'), 'crashed');
    await setTimes(path.join(shardFolder, '.photolala-tmp-old'), now - 2 * 3600 * 1000);
    await writeFile(path.join(shardFolder, '.photolala-tmp-new'), 'writing');
    const mirrors = { recent: await fingerprint(recent.mirror), stale: await fingerprint(stale.mirror) };

    const photoBytes = (shard: 'local' | 'apple', key: string) =>
      diskBytes(cache.pathsFor(shard, key).thumbnail) + diskBytes(cache.pathsFor(shard, key).metadata);
    const all = [...recent.md5s, ...stale.md5s, ...orphans].reduce(
      (sum, md5) => sum + photoBytes('local', md5),
      0,
    );
    const total = all + photoBytes('apple', appleId);

    // A dry run over by one byte names the oldest photo, the Apple one, and removes nothing.
    const dry = await pruneCache(cacheDir, { maxBytes: total - 1, dryRun: true, now });
    expect(dry).toMatchObject({
      bytesBefore: total,
      photosBefore: 10,
      removedPhotos: 1,
      removedBytes: photoBytes('apple', appleId),
      recentRoots: 1,
      removedTempFiles: 1,
      overQuota: false,
      warnings: [],
      dryRun: true,
    });
    expect(existsSync(cache.pathsFor('apple', appleId).thumbnail)).toBe(true);
    expect(existsSync(path.join(shardFolder, '.photolala-tmp-old'))).toBe(true);

    // Room for all but the Apple photo and the two oldest orphans.
    const quota =
      total -
      photoBytes('apple', appleId) -
      photoBytes('local', orphans[0]!) -
      photoBytes('local', orphans[1]!);
    const some = await pruneCache(cacheDir, { maxBytes: quota, now });
    expect([some.removedPhotos, some.bytesAfter, some.overQuota]).toEqual([3, quota, false]);
    const present = (shard: 'local' | 'apple', key: string) =>
      existsSync(cache.pathsFor(shard, key).thumbnail);
    expect([appleId, ...orphans].map((key) => present(key === appleId ? 'apple' : 'local', key))).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(existsSync(cache.pathsFor('local', orphans[1]!).metadata)).toBe(false);
    expect(existsSync(path.join(shardFolder, '.photolala-tmp-old'))).toBe(false);

    // A quota of nothing removes every photo no recent root lists, and says the rest is spared.
    const none = await pruneCache(cacheDir, { maxBytes: 0, now });
    const spared = recent.md5s.reduce((sum, md5) => sum + photoBytes('local', md5), 0);
    expect(none).toMatchObject({
      removedPhotos: 4,
      bytesAfter: spared,
      sparedBytes: spared,
      overQuota: true,
    });
    for (const md5 of recent.md5s)
      expect([present('local', md5), existsSync(cache.pathsFor('local', md5).metadata)]).toEqual([
        true,
        true,
      ]);
    for (const md5 of [...stale.md5s, ...orphans]) expect(present('local', md5), md5).toBe(false);
    expect(await readFile(path.join(shardFolder, 'notes.txt'), 'utf8')).toBe('mine');
    expect(lstatSync(path.join(shardFolder, `${'f'.repeat(32)}.jpg`)).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(shardFolder, '.photolala-tmp-new'))).toBe(true);
    expect(await fingerprint(recent.mirror)).toEqual(mirrors.recent);
    expect(await fingerprint(stale.mirror)).toEqual(mirrors.stale);

    // Opening the stale root marks it used again, and a removed thumbnail is made again on request.
    const reopened = await openCatalog(await createLocalSource({ root: stale.root }), { cacheDir });
    opened.push(reopened);
    expect((await stat(stale.mirror)).mtimeMs).toBeGreaterThanOrEqual(now - 1000);
    const thumbnail = await reopened.thumbnail('photo-4.jpg');
    expect(thumbnail).toBe(cache.pathsFor('local', stale.md5s[0]!).thumbnail);
    const { width, height, format } = await sharp(thumbnail).metadata();
    expect([width, height, format]).toEqual([256, 256, 'jpeg']);
    const again = await pruneCache(cacheDir, { maxBytes: 0, now: Date.now() });
    expect([again.recentRoots, again.removedPhotos]).toEqual([2, 0]);
  });

  test('a recent root whose snapshots cannot be read is reported, and its photos are not spared', async () => {
    const cacheDir = await tempDir('prune-cache');
    cleanup.push(cacheDir);
    const { md5s, mirror } = await scannedRoot(cacheDir, [7]);
    for (const name of await readdir(mirror)) {
      if (name.endsWith('.sqlite')) await writeFile(path.join(mirror, name), 'not a database');
    }
    await mkdir(path.join(cacheDir, 'local', 'thumbnails', 'zz'), { recursive: true });
    const report = await pruneCache(cacheDir, { maxBytes: 0 });
    expect(report.removedPhotos).toBe(1);
    expect(existsSync(new PhotoCache(cacheDir).pathsFor('local', md5s[0]!).thumbnail)).toBe(false);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toContain(mirror);
    expect(report.warnings[0]).toMatch(/could be read, so its photos are not spared \([0-9a-f]{32}: .+\)/);
    await expect(pruneCache(cacheDir, { maxBytes: Number.NaN })).rejects.toThrow(/invalid cache quota/);
  });
});
