import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isPhotolalaError, openCatalog, PhotoCache } from '@photolala/core';
import { md5Hex, POINTER_FILE, parsePointer, snapshotFileName } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { createSmbSource } from '../src/index.js';
import { useSambaRoots } from './roots.js';

const { folder, samba, connect } = useSambaRoots();

/** A small real JPEG per seed, built without sharp so this package's tests need no image library. */
async function jpeg(seed: number): Promise<Buffer> {
  const base = await readFile(new URL('../../../fixtures/real/Canon_40D.jpg', import.meta.url));
  const comment = Buffer.from(`seed ${seed}`);
  const segment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, comment.length + 2]), comment]);
  return Buffer.concat([base.subarray(0, 2), segment, base.subarray(2)]);
}

describe('backend-smb', () => {
  test('a catalog of a nested share: snapshot and pointer in the share, server-side changes found', async () => {
    const dir = await folder([
      { path: 'a.jpg', data: await jpeg(1) },
      { path: '2024/06/trip/b.jpg', data: await jpeg(2) },
      { path: '2024/06/trip/c.jpg', data: await jpeg(3) },
      { path: '2024/notes.txt', data: 'text' },
      { path: '.hidden.jpg', data: await jpeg(4) },
    ]);
    const server = await samba([{ name: 'photos', dir }]);
    const cacheDir = await folder();
    const catalog = await openCatalog(await connect(server, 'photos'), { cacheDir });
    const first = await catalog.scan();
    expect(first.added).toEqual(['2024/06/trip/b.jpg', '2024/06/trip/c.jpg', '2024/notes.txt', 'a.jpg']);
    expect(first.failed).toEqual([]);
    expect(catalog.get('2024/06/trip/b.jpg')?.photoMd5).toBe(md5Hex(await jpeg(2)));
    expect(catalog.get('2024/notes.txt')?.photoMd5 ?? null).toBeNull();

    // The snapshot and pointer are files in the share folder itself, and the snapshot hashes to its name.
    expect(parsePointer(await readFile(path.join(dir, POINTER_FILE), 'utf8'))).toEqual([first.catalogMd5]);
    const snapshot = await readFile(path.join(dir, snapshotFileName(first.catalogMd5)));
    expect(md5Hex(snapshot)).toBe(first.catalogMd5);

    const unchanged = await catalog.scan();
    expect([unchanged.unchanged, unchanged.digested, unchanged.catalogMd5]).toEqual([4, 0, first.catalogMd5]);

    // Changes made on the server side, behind the client's back.
    await writeFile(path.join(dir, 'a.jpg'), await jpeg(5));
    await rename(path.join(dir, '2024/06/trip/c.jpg'), path.join(dir, '2024/moved-c.jpg'));
    await rm(path.join(dir, '2024/notes.txt'));
    await writeFile(path.join(dir, '2024/06/d.jpg'), await jpeg(6));
    const rescan = await catalog.scan();
    expect(rescan.changed).toEqual(['a.jpg']);
    expect(rescan.moved).toEqual([{ from: '2024/06/trip/c.jpg', to: '2024/moved-c.jpg' }]);
    expect(rescan.removed).toEqual(['2024/notes.txt']);
    expect(rescan.added).toEqual(['2024/06/d.jpg']);
    expect(catalog.get('a.jpg')?.photoMd5).toBe(md5Hex(await jpeg(5)));
    expect(parsePointer(await readFile(path.join(dir, POINTER_FILE), 'utf8'))[0]).toBe(rescan.catalogMd5);
    await catalog.close();

    // A fresh process opening the share loads that snapshot from the share.
    const reopened = await openCatalog(await connect(server, 'photos'), { cacheDir: await folder() });
    expect(reopened.loadInfo).toMatchObject({ source: 'root', catalogMd5: rescan.catalogMd5 });
    expect(reopened.list().map((e) => e.path)).toEqual([
      '2024/06/d.jpg',
      '2024/06/trip/b.jpg',
      '2024/moved-c.jpg',
      'a.jpg',
    ]);
    await reopened.close();
  });

  test('a root folder inside the share, and a read-only share that falls back to the mirror', async () => {
    const dir = await folder([
      { path: 'family/x.jpg', data: await jpeg(7) },
      { path: 'other/y.jpg', data: await jpeg(8) },
    ]);
    const server = await samba([
      { name: 'rw', dir },
      { name: 'ro', dir, readOnly: true },
    ]);
    const sub = await connect(server, 'rw', { path: 'family' });
    expect(sub.uri).toBe(`smb://127.0.0.1:${server.port}/rw/family`);
    const listed: string[] = [];
    for await (const entry of sub.enumerate()) listed.push(entry.path);
    expect(listed).toEqual(['x.jpg']);
    await sub.close?.();

    const cacheDir = await folder();
    const source = await connect(server, 'ro', { path: 'other' });
    expect(source.capabilities.writable).toBe(true);
    const catalog = await openCatalog(source, { cacheDir });
    const warnings: string[] = [];
    catalog.events.on('warning', (w) => warnings.push(w.message));
    const result = await catalog.scan();
    expect(result.added).toEqual(['y.jpg']);
    expect(warnings.join('\n')).toMatch(/read-only.*mirror/);
    const mirror = new PhotoCache(cacheDir).mirrorDir(source.uri);
    expect(result.snapshots).toEqual([path.join(mirror, snapshotFileName(result.catalogMd5))]);
    await expect(readFile(path.join(dir, 'other', POINTER_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    await catalog.close();

    const again = await openCatalog(await connect(server, 'ro', { path: 'other' }), { cacheDir });
    expect(again.loadInfo).toMatchObject({ source: 'mirror', catalogMd5: result.catalogMd5 });
    await again.close();
  });

  test('coded errors: wrong password, missing share, missing root folder, refused write', async () => {
    const dir = await folder([{ path: 'a.jpg', data: 'x' }]);
    const server = await samba([
      { name: 'photos', dir },
      { name: 'locked', dir, readOnly: true },
    ]);
    const wrong = await connect(server, 'photos', { password: 'not-the-password' }).catch((e: unknown) => e);
    expect(isPhotolalaError(wrong, 'AUTH_FAILED')).toBe(true);
    expect((wrong as Error).message).toMatch(/PHOTOLALA_SMB_PASSWORD/);
    expect((wrong as Error).message).not.toContain('not-the-password');

    const noShare = await connect(server, 'nosuch').catch((e: unknown) => e);
    expect(isPhotolalaError(noShare, 'NOT_FOUND')).toBe(true);
    expect((noShare as Error).message).toMatch(/no such share/);

    const noFolder = await connect(server, 'photos', { path: 'missing/folder' }).catch((e: unknown) => e);
    expect(isPhotolalaError(noFolder, 'NOT_FOUND')).toBe(true);

    const locked = await connect(server, 'locked');
    const refused = await locked.writeAtomic!('b.jpg', Buffer.from('y')).catch((e: unknown) => e);
    expect(isPhotolalaError(refused, 'PERMISSION_DENIED')).toBe(true);
    expect((refused as Error).message).toContain('"b.jpg"');
    await locked.close?.();

    const refusedPort = await createSmbSource({
      host: '127.0.0.1',
      port: 1,
      share: 'photos',
      username: 'x',
      password: 'y',
    }).catch((e: unknown) => e);
    expect(isPhotolalaError(refusedPort, 'UNAVAILABLE')).toBe(true);
  });

  test('the server killed mid-scan: that scan fails cleanly, the next one completes after a restart', async () => {
    const files = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => ({
        path: `f/${String(i).padStart(2, '0')}.jpg`,
        data: await jpeg(100 + i),
      })),
    );
    const dir = await folder(files);
    const server = await samba([{ name: 'photos', dir }]);
    const cacheDir = await folder();
    const catalog = await openCatalog(await connect(server, 'photos', { timeoutMs: 5_000 }), {
      cacheDir,
      limits: { concurrency: 2 },
    });
    let digested = 0;
    let killing: Promise<void> | undefined;
    const stop = catalog.events.on('thumbnail-ready', () => {
      digested++;
      if (digested === 5) killing = server.kill();
    });
    const interrupted = await catalog.scan().then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    stop();
    await killing;
    expect(digested).toBeGreaterThanOrEqual(5);
    // Either the scan stopped with UNAVAILABLE or it finished with the unread files listed as failed;
    // it never reports the files it could not reach as removed.
    if ('error' in interrupted) expect(isPhotolalaError(interrupted.error, 'UNAVAILABLE')).toBe(true);
    else {
      expect(interrupted.result.removed).toEqual([]);
      expect(interrupted.result.failed.length).toBeGreaterThan(0);
    }

    await server.start();
    const next = await catalog.scan();
    console.log(
      JSON.stringify({
        i:
          'error' in interrupted
            ? String(interrupted.error)
            : { ...interrupted.result, failed: interrupted.result.failed.length },
        n: { ...next, failed: next.failed.slice(0, 2) },
      }),
    );
    expect(next.failed).toEqual([]);
    expect(catalog.list().map((e) => e.path)).toEqual(files.map((f) => f.path));
    for (const file of files) expect(catalog.get(file.path)?.photoMd5).toBe(md5Hex(file.data));
    expect(parsePointer(await readFile(path.join(dir, POINTER_FILE), 'utf8'))[0]).toBe(next.catalogMd5);
    await catalog.close();
  });
});
