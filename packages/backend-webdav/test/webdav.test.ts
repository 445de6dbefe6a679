import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isPhotolalaError, openCatalog } from '@photolala/core';
import { md5Hex, parsePointer } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { createWebdavSource } from '../src/index.js';
import { AUTH, useWebdavRoots } from './roots.js';
import { startConditionalProxy, startRangeDroppingProxy, startRclone, startWebdavServer } from './servers.js';

const { folder } = useWebdavRoots();

/** A small real JPEG per seed, built without sharp so this package's tests need no image library. */
async function jpeg(seed: number): Promise<Buffer> {
  const base = await readFile(new URL('../../../fixtures/real/Canon_40D.jpg', import.meta.url));
  const comment = Buffer.from(`seed ${seed}`);
  const segment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, comment.length + 2]), comment]);
  return Buffer.concat([base.subarray(0, 2), segment, base.subarray(2)]);
}

describe('backend-webdav', () => {
  test('a catalog scan writes its snapshot into the share; an unchanged rescan makes no GET', async () => {
    const dir = await folder([
      { path: 'a.jpg', data: await jpeg(1) },
      { path: 'trip/b.jpg', data: await jpeg(2) },
      { path: 'trip/notes.txt', data: 'text' },
    ]);
    const server = await startWebdavServer(dir, AUTH);
    const cacheDir = await folder();
    try {
      const catalog = await openCatalog(await createWebdavSource({ url: server.url, ...AUTH }), { cacheDir });
      const first = await catalog.scan();
      expect(first.added).toEqual(['a.jpg', 'trip/b.jpg', 'trip/notes.txt']);
      expect(first.failed).toEqual([]);
      const pointer = parsePointer(await readFile(path.join(dir, '.photolala.md5'), 'utf8'));
      expect(pointer).toEqual([first.catalogMd5]);
      expect(md5Hex(await readFile(path.join(dir, `.photolala.${first.catalogMd5}.sqlite`)))).toBe(
        first.catalogMd5,
      );
      expect(catalog.get('trip/b.jpg')?.photoMd5).toBe(md5Hex(await jpeg(2)));

      server.requests.clear();
      const second = await catalog.scan();
      expect([second.unchanged, second.catalogMd5]).toEqual([3, first.catalogMd5]);
      // Reading its own pointer and snapshot back to compare is the only GET traffic.
      const photoGets = (server.requests.get('GET') ?? 0) - 2;
      expect(photoGets).toBeLessThanOrEqual(0);

      // A change made on the server side is found by size/ETag.
      await writeFile(path.join(dir, 'a.jpg'), await jpeg(3));
      const third = await catalog.scan();
      expect(third.changed).toEqual(['a.jpg']);
      await catalog.close();
    } finally {
      await server.stop();
    }
  });

  test('a server that ignores If-Match is found out by the first conditional write, which a stat then checks; no probe file is left', async () => {
    for (const start of [startWebdavServer, startRclone]) {
      const dir = await folder([{ path: 'a.jpg', data: 'x' }]);
      const server = await start(dir, AUTH);
      try {
        const source = await createWebdavSource({ url: server.url, ...AUTH });
        expect(source.writeIfUnchanged).toBeTypeOf('function');
        await source.writeIfUnchanged!('.photolala.md5', Buffer.from('one\n'), { ifNoneMatch: '*' });
        const seen = (await source.stat!('.photolala.md5'))!.etag!;
        // Another machine writes the pointer after this one read it: found by the stat before the write.
        await new Promise((r) => setTimeout(r, 1100));
        const other = await createWebdavSource({ url: server.url, ...AUTH });
        await other.writeAtomic!('.photolala.md5', Buffer.from('theirs\n'));
        const error = await source.writeIfUnchanged!('.photolala.md5', Buffer.from('mine\n'), {
          ifMatch: seen,
        }).catch((e: unknown) => e);
        expect(isPhotolalaError(error, 'CONFLICT')).toBe(true);
        expect(await readFile(path.join(dir, '.photolala.md5'), 'utf8')).toBe('theirs\n');
        expect((await readdir(dir)).sort()).toEqual(['.photolala.md5', 'a.jpg']);
        // Told that the server enforces it, the source offers it without asking; told it does not,
        // it leaves it out (the catalog then writes the pointer unconditionally).
        const told = await createWebdavSource({ url: server.url, ...AUTH, conditionalWrites: true });
        expect(told.writeIfUnchanged).toBeTypeOf('function');
        const toldNot = await createWebdavSource({ url: server.url, ...AUTH, conditionalWrites: false });
        expect(toldNot.writeIfUnchanged).toBeUndefined();
        const readOnly = await createWebdavSource({ url: server.url, ...AUTH, readOnly: true });
        expect(readOnly.writeIfUnchanged).toBeUndefined();
      } finally {
        await server.stop();
      }
    }
  });

  test('opening a root, listing its catalog, reopening it and an unchanged rescan send no PUT, MOVE or DELETE', async () => {
    const dir = await folder([
      { path: 'a.jpg', data: await jpeg(1) },
      { path: 'trip/b.jpg', data: await jpeg(2) },
    ]);
    const server = await startWebdavServer(dir, AUTH);
    const proxy = await startConditionalProxy(server.url);
    const cacheDir = await folder();
    const writes = () =>
      ['PUT', 'MOVE', 'DELETE', 'MKCOL'].reduce((sum, method) => sum + (server.requests.get(method) ?? 0), 0);
    try {
      for (const url of [server.url, proxy.url]) {
        const root = url === server.url ? 'plain' : 'enforcing';
        // A read-only command on a root never cataloged: nothing is written to it.
        server.requests.clear();
        const bare = await createWebdavSource({ url, ...AUTH });
        expect(await readdir(dir)).not.toContain('.photolala.md5');
        expect([root, writes()]).toEqual([root, 0]);

        const catalog = await openCatalog(bare, { cacheDir: path.join(cacheDir, root) });
        await catalog.scan();
        await catalog.close();
        const files = (await readdir(dir)).sort();

        server.requests.clear();
        const reopened = await openCatalog(await createWebdavSource({ url, ...AUTH }), {
          cacheDir: path.join(cacheDir, root),
        });
        expect(reopened.list().map((e) => e.path)).toEqual(['a.jpg', 'trip/b.jpg']);
        expect((await reopened.scan()).wroteNewSnapshot).toBe(false);
        await reopened.close();
        expect([root, writes()]).toEqual([root, 0]);
        expect((await readdir(dir)).sort()).toEqual(files);
        // The catalog is written again for the next round, onto the other server's view.
        for (const file of files) if (file.startsWith('.photolala')) await rm(path.join(dir, file));
      }
      // The enforcing server was asked by the one write of its pointer, and refused it (412): one probe.
      expect(proxy.stats().PRECONDITION_FAILED).toBe(1);
    } finally {
      await proxy.stop();
      await server.stop();
    }
  });

  test('a conditional write refused by the server is CONFLICT and leaves the file as it was', async () => {
    const dir = await folder([{ path: '.photolala.md5', data: 'old\n' }]);
    const server = await startWebdavServer(dir);
    const proxy = await startConditionalProxy(server.url);
    try {
      const source = await createWebdavSource({ url: proxy.url });
      const seen = (await source.stat!('.photolala.md5'))!.etag!;
      // Another machine writes the pointer after this one read it.
      await new Promise((r) => setTimeout(r, 20));
      await source.writeIfUnchanged!('.photolala.md5', Buffer.from('theirs\n'), { ifMatch: seen });
      const error = await source.writeIfUnchanged!('.photolala.md5', Buffer.from('mine\n'), {
        ifMatch: seen,
      }).catch((e: unknown) => e);
      expect(isPhotolalaError(error, 'CONFLICT')).toBe(true);
      expect((error as Error).message).toContain('HTTP 412');
      expect(await readFile(path.join(dir, '.photolala.md5'), 'utf8')).toBe('theirs\n');
      expect(proxy.stats().PRECONDITION_FAILED).toBe(2); // the probe before the first write, and this write
    } finally {
      await proxy.stop();
      await server.stop();
    }
  });

  test('a weak ETag, as Apache gives in the second after a write, is waited out: the write lands, or is CONFLICT if the file changed', async () => {
    const dir = await folder();
    const server = await startWebdavServer(dir);
    const proxy = await startConditionalProxy(server.url, { weakEtagsMs: 1000 });
    try {
      const source = await createWebdavSource({ url: proxy.url });
      await source.writeIfUnchanged!('.photolala.md5', Buffer.from('one\n'), { ifNoneMatch: '*' });
      const seen = (await source.stat!('.photolala.md5'))!.etag!;
      expect(seen).toMatch(/^W\//);
      await source.writeIfUnchanged!('.photolala.md5', Buffer.from('two\n'), { ifMatch: seen });
      expect(await readFile(path.join(dir, '.photolala.md5'), 'utf8')).toBe('two\n');
      // The tag seen before "two" was written is stale, weak or not.
      const error = await source.writeIfUnchanged!('.photolala.md5', Buffer.from('three\n'), {
        ifMatch: seen,
      }).catch((e: unknown) => e);
      expect(isPhotolalaError(error, 'CONFLICT')).toBe(true);
      expect(await readFile(path.join(dir, '.photolala.md5'), 'utf8')).toBe('two\n');
    } finally {
      await proxy.stop();
      await server.stop();
    }
  });

  test('a server that ignores Range does not make a head read download the whole file', async () => {
    const big = Buffer.alloc(16 * 1024 * 1024, 7);
    big.write('HEAD-OF-FILE', 0);
    const server = await startWebdavServer(await folder([{ path: 'big.bin', data: big }]));
    const proxy = await startRangeDroppingProxy(server.url);
    try {
      const source = await createWebdavSource({ url: proxy.url });
      const head = await source.readHead('big.bin', 4096);
      expect(head.length).toBe(4096);
      expect(md5Hex(head)).toBe(md5Hex(big.subarray(0, 4096)));
      await new Promise((r) => setTimeout(r, 200));
      expect(proxy.bytesRelayed()).toBeLessThan(big.length / 2);
    } finally {
      await proxy.stop();
      await server.stop();
    }
  });

  test('wrong credentials raise AUTH_FAILED on both servers, without the password in the message', async () => {
    const dir = await folder([{ path: 'a.jpg', data: 'x' }]);
    for (const start of [startWebdavServer, startRclone]) {
      const server = await start(dir, AUTH);
      try {
        const error = await createWebdavSource({
          url: server.url,
          username: 'alice',
          password: 'not-it',
        }).catch((e: unknown) => e);
        expect(isPhotolalaError(error, 'AUTH_FAILED')).toBe(true);
        expect((error as Error).message).not.toContain('not-it');
        const anonymous = await createWebdavSource({ url: server.url }).catch((e: unknown) => e);
        expect(isPhotolalaError(anonymous, 'AUTH_FAILED')).toBe(true);
      } finally {
        await server.stop();
      }
    }
  });

  test('a name that is not UTF-8 on the server is reported; the rest of its folder is still listed and read', async () => {
    const dir = await folder([
      { path: 'ok.jpg', data: await jpeg(1) },
      { path: 'sub/b.jpg', data: await jpeg(2) },
    ]);
    // Latin-1 names, as an old share holds them: rclone with --local-encoding None sends them
    // raw, percent-encoded (`caf%E9.jpg`), as Apache does.
    const latin1 = (name: string) => Buffer.from(path.join(dir, name), 'latin1');
    await writeFile(latin1('caf\u00e9.jpg'), await jpeg(3));
    await writeFile(latin1('sub/na\u00efve.jpg'), await jpeg(4));
    await mkdir(latin1('\u00e9t\u00e9'));
    await writeFile(Buffer.concat([latin1('\u00e9t\u00e9'), Buffer.from('/inside.jpg')]), await jpeg(5));
    const server = await startRclone(dir, AUTH, ['--local-encoding', 'None']);
    try {
      const source = await createWebdavSource({ url: server.url, ...AUTH });
      const paths: string[] = [];
      const issues: [string, string | undefined][] = [];
      for await (const entry of source.enumerate({
        onIssue: (issue) => issues.push([issue.path, (issue.error as { code?: string }).code]),
      })) {
        paths.push(entry.path);
      }
      expect(paths.sort()).toEqual(['ok.jpg', 'sub/b.jpg']);
      expect(issues.sort()).toEqual([
        ['caf\uFFFD.jpg', 'INVALID_PATH'],
        ['sub/na\uFFFDve.jpg', 'INVALID_PATH'],
        ['\uFFFDt\uFFFD', 'INVALID_PATH'],
      ]);
      expect(md5Hex(await source.readHead('sub/b.jpg', 1 << 20))).toBe(md5Hex(await jpeg(2)));
    } finally {
      await server.stop();
    }
  });
});
