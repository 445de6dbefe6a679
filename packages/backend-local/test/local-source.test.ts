import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { chmod, mkdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EnumerateIssue, isPhotolalaError, type RootSource, type SourceEntry } from '@photolala/core';
import { catalogFilter } from '@photolala/core/internals';
import { writeTempTree } from '@photolala/core/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { createLocalSource } from '../src/index.js';

const roots: string[] = [];
afterEach(async () => {
  for (const root of roots.splice(0)) {
    await chmod(path.join(root, 'locked'), 0o755).catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
});

async function tree(files: Record<string, string>): Promise<string> {
  const root = await writeTempTree(
    Object.entries(files).map(([p, data]) => ({ path: p, data })),
    'photolala-local-',
  );
  roots.push(root);
  return root;
}

async function list(source: RootSource, issues?: EnumerateIssue[]): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of source.enumerate({ filter: catalogFilter, onIssue: (i) => issues?.push(i) })) {
    out.push(entry.path);
  }
  return out.sort();
}

describe('backend-local', () => {
  test('skips hidden and system files and folders without descending into them', async () => {
    const root = await tree({
      'a.jpg': 'a',
      '.hidden.jpg': 'h',
      '.DS_Store': 'x',
      'Thumbs.db': 'x',
      'desktop.ini': 'x',
      'sub/EHTHUMBS_VISTA.DB': 'x',
      'Picasa.ini': 'x',
      // As long as a system file's name, but not one.
      'Thumbs.dx': 'kept',
      '@eaDir/a.jpg/SYNOPHOTO_THUMB.jpg': 'x',
      '#recycle/old.jpg': 'x',
      '$RECYCLE.BIN/old.jpg': 'x',
      '.Trashes/501/old.jpg': 'x',
      'lost+found/x': 'x',
      '.git/objects/x': 'x',
      'sub/b.jpg': 'b',
      '.photolala.md5': 'x',
      '.photolala.0123456789abcdef0123456789abcdef.sqlite': 'x',
      'sub/.photolala-tmp-abc': 'x',
    });
    const source = await createLocalSource({ root });
    expect(await list(source)).toEqual(['Thumbs.dx', 'a.jpg', 'sub/b.jpg']);
  });

  test('a symlink loop does not hang, and links out of the root are not followed', async () => {
    const root = await tree({ 'a/photo.jpg': 'p', 'b/other.jpg': 'o' });
    await symlink('..', path.join(root, 'a', 'loop'));
    await symlink(path.join(root, 'b'), path.join(root, 'a', 'to-b'));
    const outside = await tree({ 'secret.jpg': 's' });
    await symlink(outside, path.join(root, 'escape'));
    await symlink(path.join(outside, 'secret.jpg'), path.join(root, 'escape.jpg'));
    const issues: EnumerateIssue[] = [];
    const source = await createLocalSource({ root });
    const paths = await list(source, issues);
    // Each folder is walked once, whichever link reaches it first.
    expect(paths.filter((p) => p.endsWith('photo.jpg'))).toHaveLength(1);
    expect(paths.filter((p) => p.endsWith('other.jpg'))).toHaveLength(1);
    expect(paths.some((p) => p.includes('secret'))).toBe(false);
    expect(issues.map((i) => i.path).sort()).toEqual(['escape', 'escape.jpg']);
    await expect(source.readAll('escape.jpg')).rejects.toMatchObject({ code: 'INVALID_PATH' });
  });

  test('a root given through a link lists its files by the same relative paths, sizes and mtimes', async () => {
    const root = await tree({ 'a/photo.jpg': 'pp', 'top.jpg': 't', 'a/b/deep.jpg': 'ddd' });
    const linked = `${root}-link`;
    await symlink(root, linked);
    try {
      const entries = async (dir: string) => {
        const source = await createLocalSource({ root: dir });
        const found: [string, number, number][] = [];
        for await (const entry of source.enumerate()) found.push([entry.path, entry.size, entry.mtimeMs]);
        return found.sort((x, y) => (x[0] < y[0] ? -1 : 1));
      };
      expect(await entries(linked)).toEqual(await entries(root));
      expect((await entries(linked)).map((e) => e[0])).toEqual(['a/b/deep.jpg', 'a/photo.jpg', 'top.jpg']);
    } finally {
      await unlink(linked);
    }
  });

  test('readAll streams a large file whole, in bounded chunks', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const root = await tree({ 'small.jpg': 'x' });
    await writeFile(path.join(root, 'big.bin'), big);
    const source = await createLocalSource({ root });
    const sizes: number[] = [];
    const md5 = createHash('md5');
    for await (const chunk of await source.readAll('big.bin')) {
      sizes.push((chunk as Buffer).length);
      md5.update(chunk as Buffer);
    }
    // A large snapshot never sits in memory whole.
    expect(sizes).toEqual([8 * 1024 * 1024, 8 * 1024 * 1024, 4 * 1024 * 1024 + 123]);
    expect(md5.digest('hex')).toBe(createHash('md5').update(big).digest('hex'));
  });

  test('readAll closes the file however the stream ends: read through, stopped early or never read', async () => {
    const root = await tree({ 'a.jpg': 'x'.repeat(200_000) });
    const source = await createLocalSource({ root });
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    for (let i = 0; i < 20; i++) {
      (await source.readAll('a.jpg')).destroy();
      for await (const _ of await source.readAll('a.jpg')) break;
      let bytes = 0;
      for await (const chunk of await source.readAll('a.jpg')) bytes += (chunk as Buffer).length;
      expect(bytes).toBe(200_000);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFiles()).toBe(before);
  });

  test('a file deleted between enumeration and read raises NOT_FOUND', async () => {
    const root = await tree({ 'gone.jpg': 'soon gone' });
    const source = await createLocalSource({ root });
    const entries = await list(source);
    expect(entries).toEqual(['gone.jpg']);
    await unlink(path.join(root, 'gone.jpg'));
    const error = await source.readHead('gone.jpg', 4096).catch((e: unknown) => e);
    expect(isPhotolalaError(error, 'NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('gone.jpg');
  });

  test('a FIFO or socket is never opened: listed, it is reported as skipped; swapped in for a photo, reads refuse it', async () => {
    const root = await tree({ 'a.jpg': 'a photo', 'sub/b.jpg': 'b photo' });
    execFileSync('mkfifo', [path.join(root, 'sub', 'pipe.jpg')]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, 'socket.jpg'), resolve));
    try {
      // In a child process: a read that blocks on the FIFO blocks that process's thread, not this one's.
      const script = fileURLToPath(new URL('./enumerate-cli.ts', import.meta.url));
      const run = (...args: string[]) => {
        const result = spawnSync(
          process.execPath,
          ['--conditions=source', '--import', 'tsx', script, root, ...args],
          {
            encoding: 'utf8',
            cwd: path.dirname(script),
            timeout: 30_000,
          },
        );
        expect(result.signal, `hung: ${args.join(' ')}`).toBe(null);
        expect(result.stderr).toBe('');
        return JSON.parse(result.stdout) as unknown;
      };
      const listed = {
        paths: ['a.jpg', 'sub/b.jpg'],
        issues: [
          { path: 'socket.jpg', code: 'UNSUPPORTED', skipped: true },
          { path: 'sub/pipe.jpg', code: 'UNSUPPORTED', skipped: true },
        ],
      };
      expect(run()).toEqual(listed);
      expect(run('batches')).toEqual(listed);
      await unlink(path.join(root, 'a.jpg'));
      execFileSync('mkfifo', [path.join(root, 'a.jpg')]);
      expect(run('read', 'a.jpg')).toEqual({ head: 'UNSUPPORTED', all: 'UNSUPPORTED' });
      expect(run('read', 'sub/b.jpg')).toEqual({ head: 7, all: 7 });
    } finally {
      server.close();
    }
    const source = await createLocalSource({ root });
    const error = await source.readHead('a.jpg', 4096).catch((e: unknown) => e);
    expect((error as Error).message).toContain('"a.jpg" is a FIFO, not a regular file');
  });

  test('close() during a walk fails the listings in the worker, reported per folder, and the source walks again after', async () => {
    // 30 folders of 100 files: the first 2,000 entries are listed in-thread, the rest by the worker.
    const files: Record<string, string> = {};
    for (let f = 0; f < 30; f++) for (let i = 0; i < 100; i++) files[`d${f}/p${i}.jpg`] = `${f}.${i}`;
    const root = await tree(files);
    const source = await createLocalSource({ root });
    const issues: EnumerateIssue[] = [];
    const seen: string[] = [];
    for await (const entry of source.enumerate({ filter: catalogFilter, onIssue: (i) => issues.push(i) })) {
      // At the first entry the worker's listings are all still pending: close() fails them.
      if (seen.push(entry.path) === 1) await source.close?.();
    }
    expect(seen).toHaveLength(2000);
    expect(issues).toHaveLength(10);
    for (const issue of issues) expect(String(issue.error)).toMatch(/closed/);
    expect(await list(source)).toEqual(Object.keys(files).sort());
    await source.close?.();
  });

  test("heads read along with the listing are the files' first bytes, in-thread and from the worker, and their memory is reused after each folder", async () => {
    // 30 folders of 100 files, from empty to over 4 KiB: the first 2,000 are listed in-thread.
    const files: Record<string, string> = {};
    for (let f = 0; f < 30; f++)
      for (let i = 0; i < 100; i++) files[`d${f}/p${i}.jpg`] = `${f}/${i};`.repeat((i * 97) % 1200);
    const root = await tree(files);
    await symlink(path.join(root, 'd0', 'p1.jpg'), path.join(root, 'link.jpg'));
    const source = await createLocalSource({ root });
    const md5 = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex');
    let withHead = 0;
    const kept: Uint8Array[] = [];
    for await (const entry of source.enumerate({ filter: catalogFilter, headBytes: 4096 })) {
      if (entry.path === 'link.jpg') {
        // A link is followed on the calling thread; its head is left to readHead.
        expect(entry.head).toBeUndefined();
        continue;
      }
      const expected = Buffer.from(files[entry.path]!).subarray(0, 4096);
      expect(entry.head, entry.path).toBeDefined();
      expect(md5(entry.head!), entry.path).toBe(md5(expected));
      withHead++;
      if (withHead > 2000 && entry.path.endsWith('/p0.jpg')) kept.push(entry.head!);
    }
    expect(withHead).toBe(3000);
    // Heads kept past their folder were handed back to the worker to be filled again (those of the
    // folders the worker listed: the walking thread may list a few itself, and keeps their memory).
    expect(kept).toHaveLength(10);
    expect(kept.filter((head) => head.length === 0).length).toBeGreaterThan(0);
    // Heads too large to read along are left to readHead.
    for await (const entry of source.enumerate({ filter: catalogFilter, headBytes: 2 * 1024 * 1024 }))
      expect(entry.head).toBeUndefined();
    await source.close?.();
  });

  test("the heads' MD5s asked for are those of the heads beside them: every one listed in-thread, and the worker's while the reader is behind", async () => {
    // 30 folders of 100 files: the first 2,000 are listed in-thread, the rest by the worker.
    const files: Record<string, string> = {};
    for (let f = 0; f < 30; f++)
      for (let i = 0; i < 100; i++) files[`d${f}/p${i}.jpg`] = `${f}/${i};`.repeat((i * 97) % 1200);
    const root = await tree(files);
    const source = await createLocalSource({ root });
    const md5 = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex');
    const listing = source.enumerate({ filter: catalogFilter, headBytes: 4096, headMd5: true });
    let withMd5 = 0;
    for await (const batch of listing.batches!()) {
      for (const entry of batch) {
        expect(entry.head, entry.path).toBeDefined();
        if (entry.headMd5 === undefined) continue;
        withMd5++;
        expect(entry.headMd5, entry.path).toBe(md5(Buffer.from(files[entry.path]!).subarray(0, 4096)));
        expect(md5(entry.head!), entry.path).toBe(entry.headMd5);
      }
      // A slow reader: the worker, done with the folders asked for, hashes their heads meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(withMd5).toBeGreaterThan(2000);
    // Not asked for, none.
    for await (const entry of source.enumerate({ filter: catalogFilter, headBytes: 4096 }))
      expect(entry.headMd5, entry.path).toBeUndefined();
    await source.close?.();
  });

  test('a flat folder reads at most 4 MiB of heads along with its listing, and lists every file with its stat', async () => {
    // 1,100 files of 5,000-6,099 bytes in one folder: 1,024 heads of 4 KiB fill the budget.
    const files: Record<string, string> = {};
    for (let i = 0; i < 1100; i++) files[`dump/IMG_${i}.jpg`] = `${i};`.padEnd(5000 + i, 'x');
    const root = await tree(files);
    const source = await createLocalSource({ root });
    const md5 = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex');
    let withHead = 0;
    const sizes = new Map<string, number>();
    for await (const entry of source.enumerate({ filter: catalogFilter, headBytes: 4096 })) {
      sizes.set(entry.path, entry.size);
      if (!entry.head) continue;
      withHead++;
      expect(md5(entry.head), entry.path).toBe(md5(Buffer.from(files[entry.path]!).subarray(0, 4096)));
    }
    expect(withHead).toBe(1024);
    expect(sizes.size).toBe(1100);
    for (const [p, size] of sizes) expect(size, p).toBe(files[p]!.length);
    await source.close?.();
  });
  test('a source that is made and dropped does not keep the process alive', async () => {
    const root = await tree({ 'a.jpg': 'a' });
    const script = fileURLToPath(new URL('./enumerate-cli.ts', import.meta.url));
    const result = spawnSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', script, root, 'created'],
      {
        encoding: 'utf8',
        cwd: path.dirname(script),
        timeout: 30_000,
      },
    );
    expect(result.signal).toBeNull();
    expect(result.stdout).toBe('created');
    expect(result.status).toBe(0);
  });

  test('a file or folder whose name is not UTF-8 is reported, not silently left out', async () => {
    const root = await tree({ 'ok.jpg': 'ok' });
    // Latin-1 "café.jpg" and "été/", as an old camera card or share may hold them.
    const latin1 = (name: string) => Buffer.from(path.join(root, name), 'latin1');
    await writeFile(latin1('caf\u00e9.jpg'), 'cafe');
    await mkdir(latin1('\u00e9t\u00e9'));
    await writeFile(Buffer.concat([latin1('\u00e9t\u00e9'), Buffer.from('/inside.jpg')]), 'inside');
    for (const headBytes of [undefined, 4096]) {
      const source = await createLocalSource({ root });
      const issues: EnumerateIssue[] = [];
      const paths: string[] = [];
      for await (const entry of source.enumerate({
        filter: catalogFilter,
        onIssue: (issue) => issues.push(issue),
        ...(headBytes ? { headBytes } : {}),
      })) {
        paths.push(entry.path);
      }
      expect(paths).toEqual(['ok.jpg']);
      const reported = issues.map((i) => [i.path, (i.error as { code?: string }).code]).sort();
      expect(reported).toEqual([
        ['caf\uFFFD.jpg', 'INVALID_PATH'],
        ['\uFFFDt\uFFFD', 'INVALID_PATH'],
      ]);
      expect(String(issues[0]!.error)).toContain('not valid UTF-8');
      await source.close?.();
    }
  });

  test('an unreadable subfolder is reported and enumeration goes on', async () => {
    const root = await tree({ 'ok/a.jpg': 'a', 'locked/b.jpg': 'b', 'z.jpg': 'z' });
    await chmod(root, 0o755);
    await chmod(path.join(root, 'locked'), 0o000);
    // Root ignores permissions, so as root run the walk as `nobody`.
    const script = fileURLToPath(new URL('./enumerate-cli.ts', import.meta.url));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // Else a checkout in a folder closed to others (`mktemp -d` makes 0700) fails as a missing module.
      const probe = spawnSync(
        process.execPath,
        ['-e', 'require("node:fs").accessSync(process.argv[1], 4)', script],
        {
          uid: 65534,
          gid: 65534,
          cwd: '/',
        },
      );
      if (probe.status !== 0)
        throw new Error(
          `The user nobody cannot read ${script}; run \`chmod 755\` on the folders above the checkout`,
        );
    }
    for (const how of [[], ['batches']]) {
      const result = spawnSync(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', script, root, ...how],
        {
          encoding: 'utf8',
          ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
          cwd: path.dirname(script),
        },
      );
      expect(result.stderr).toBe('');
      const output = JSON.parse(result.stdout) as {
        paths: string[];
        issues: { path: string; code: string }[];
      };
      expect(output.paths.sort()).toEqual(['ok/a.jpg', 'z.jpg']);
      expect(output.issues).toEqual([{ path: 'locked', code: 'PERMISSION_DENIED' }]);
    }
  });

  test("a listing's batches are its entries, a folder's at a time, with the same issues, heads and stats, in-thread and from the worker", async () => {
    // Past the few thousand entries listed in-thread, so that the worker lists folders too.
    const files: Record<string, string> = {};
    for (let folder = 0; folder < 30; folder++)
      for (let file = 0; file < 100; file++) files[`f${folder}/p${file}.jpg`] = `photo ${folder}/${file}`;
    files['mixed/a.jpg'] = 'a';
    files['mixed/.hidden.jpg'] = 'hidden';
    files['mixed/z.jpg'] = 'z';
    const root = await tree(files);
    // Issues in the middle of a folder: a broken link, a link out of the root, a name that is not UTF-8.
    await symlink(path.join(root, 'nowhere.jpg'), path.join(root, 'mixed', 'broken.jpg'));
    await symlink('/etc/hostname', path.join(root, 'mixed', 'escape.jpg'));
    await writeFile(Buffer.from(path.join(root, 'mixed', 'caf\u00e9.jpg'), 'latin1'), 'cafe');
    await symlink(path.join(root, 'f3', 'p7.jpg'), path.join(root, 'mixed', 'linked.jpg'));
    const source = await createLocalSource({ root });
    for (const headBytes of [undefined, 4096]) {
      const walk = async (batched: boolean) => {
        const issues: string[] = [];
        const entries: string[] = [];
        const folders: string[][] = [];
        const listing = source.enumerate({
          filter: catalogFilter,
          onIssue: (issue) => issues.push(`${issue.path} ${(issue.error as { code?: string }).code}`),
          ...(headBytes ? { headBytes } : {}),
        });
        const print = (entry: SourceEntry) =>
          `${entry.path} ${entry.size} ${entry.mtimeMs} ${entry.head ? Buffer.from(entry.head).toString() : '-'}`;
        if (batched) {
          for await (const batch of listing.batches!()) {
            folders.push([...new Set(batch.map((entry) => path.posix.dirname(entry.path)))]);
            for (const entry of batch) entries.push(print(entry));
          }
        } else for await (const entry of listing) entries.push(print(entry));
        return { entries: entries.sort(), issues: issues.sort(), folders };
      };
      const single = await walk(false);
      const batched = await walk(true);
      expect(batched.entries).toEqual(single.entries);
      expect(batched.issues).toEqual(single.issues);
      expect(single.entries).toHaveLength(3003);
      // A link's target is stat'ed, not read along: its head is left to readHead.
      expect(single.entries).toContain(
        `mixed/linked.jpg 9 ${single.entries.find((e) => e.startsWith('f3/p7.jpg '))!.split(' ')[2]} -`,
      );
      expect(single.entries).toContain(
        `f3/p7.jpg 9 ${single.entries.find((e) => e.startsWith('f3/p7.jpg '))!.split(' ')[2]} ${headBytes ? 'photo 3/7' : '-'}`,
      );
      expect(single.issues).toEqual([
        'mixed/broken.jpg NOT_FOUND',
        'mixed/caf\uFFFD.jpg INVALID_PATH',
        'mixed/escape.jpg INVALID_PATH',
      ]);
      // One batch per folder with files, never empty.
      expect(batched.folders).toHaveLength(31);
      expect(batched.folders.every((dirs) => dirs.length === 1)).toBe(true);
    }
    await source.close?.();
  });

  test('writeAtomic leaves no temp file and a missing root is NOT_FOUND', async () => {
    const root = await tree({ 'x.jpg': 'x' });
    const source = await createLocalSource({ root });
    await source.writeAtomic!('.photolala.md5', new TextEncoder().encode('abc\n'));
    await mkdir(path.join(root, 'empty'));
    await writeFile(path.join(root, 'y.jpg'), 'y');
    const all: string[] = [];
    for await (const e of source.enumerate()) all.push(e.path);
    expect(all.sort()).toEqual(['.photolala.md5', 'x.jpg', 'y.jpg']);
    await expect(createLocalSource({ root: path.join(root, 'nope') })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

test('options that are not plainly good are rejected by zod, with its message naming the option', async () => {
  const root = await tree({ 'a.jpg': 'x' });
  await expect(createLocalSource({ root: '' })).rejects.toThrow(
    /"root"[\s\S]*too_small|too_small[\s\S]*"root"/,
  );
  await expect(createLocalSource({ root, mtimeResolutionMs: 0.5 })).rejects.toThrow(/mtimeResolutionMs/);
  await expect(createLocalSource({ root, readOnly: 'yes' as unknown as boolean })).rejects.toThrow(
    /readOnly/,
  );
  const source = await createLocalSource({ root, readOnly: true, mtimeResolutionMs: 2000 });
  expect(source.capabilities).toMatchObject({ writable: false, mtimeResolutionMs: 2000 });
});
