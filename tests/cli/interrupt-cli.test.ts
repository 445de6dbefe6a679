import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { parsePointer } from '@photolala/core/internals';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { startWebdavServer } from '../../packages/backend-webdav/test/servers.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { startCli } from './run-cli.js';

/**
 * The bound: the first Ctrl-C stops any command within 2 s. Asserted with a generous 10 s,
 * because the machine running the tests is shared.
 */
const STOP_BOUND_MS = 10_000;

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo();
});

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/** Resolves when `check` holds, polling; fails after a generous wait. */
async function until(what: string, check: () => boolean | Promise<boolean>, waitMs = 60_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/**
 * An HTTP proxy in front of a WebDAV server that lets the first `passPhotos` whole reads of photos
 * (GETs of a .jpg without Range) through and stalls every later one forever: a server that stops
 * answering part-way through a scan. Once `state.stallUploads` is set, uploads stall too.
 */
async function stallingProxy(target: string, passPhotos: number) {
  const upstream = new URL(target);
  const sockets = new Set<net.Socket>();
  const state = { passed: [] as string[], stalledReads: 0, stalledUploads: 0, stallUploads: false };
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const wholePhoto = req.method === 'GET' && url.endsWith('.jpg') && req.headers.range === undefined;
    if (wholePhoto && state.passed.length >= passPhotos) {
      state.stalledReads++;
      req.resume();
      return;
    }
    if (state.stallUploads && req.method === 'PUT') {
      state.stalledUploads++;
      req.resume();
      return;
    }
    if (wholePhoto) state.passed.push(decodeURIComponent(url.slice(1)));
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { root: `webdav://127.0.0.1:${port}`, state };
}

/** A WebDAV share of `count` photos larger than a head (so each is read whole), and a cache folder. */
async function share(count: number, first = 0) {
  const dir = await tempDir('interrupt-share');
  const cacheDir = await tempDir('interrupt-cache');
  cleanup.push(
    () => rm(dir, { recursive: true, force: true }),
    () => rm(cacheDir, { recursive: true, force: true }),
  );
  const photos: Record<string, Buffer> = {};
  for (let i = first; i < first + count; i++)
    photos[`p${String(i).padStart(2, '0')}.jpg`] = await syntheticJpeg(i, 320, 240);
  await writeTree(dir, photos);
  const server = await startWebdavServer(dir);
  cleanup.push(() => server.stop());
  return { dir, cacheDir, photos, server };
}

/** The thumbnails in the cache: one per photo whose digest is done. */
async function thumbnails(cacheDir: string): Promise<number> {
  return (await filesUnder(cacheDir)).filter((f) => f.split(path.sep).includes('thumbnails')).length;
}

/** The snapshot the root's pointer names first, checked against its name, and its rows. */
async function rootSnapshot(dir: string) {
  const [catalogMd5] = parsePointer(await readFile(path.join(dir, '.photolala.md5'), 'utf8'));
  const file = path.join(dir, `.photolala.${catalogMd5}.sqlite`);
  expect(md5(await readFile(file))).toBe(catalogMd5);
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT path, photo_md5, status FROM entries ORDER BY path').all() as {
      path: string;
      photo_md5: string;
      status: string;
    }[];
    return { catalogMd5, rows };
  } finally {
    db.close();
  }
}

const workFiles = async (cacheDir: string) =>
  (await filesUnder(cacheDir)).filter((f) => path.basename(f).startsWith('.photolala-tmp-work-'));

/**
 * Runs the CLI with `args(root)` against a share of 10 photos behind a proxy that passes three photo
 * reads and stalls the rest, sends one SIGINT once those three are digested, and checks what every
 * first Ctrl-C must leave: the process ended within the bound, the root's snapshot holds exactly the
 * photos done with their true MD5s, and no working database is left. Gives the run's result.
 */
async function interruptStalledScan(args: (root: string, cacheDir: string) => string[]) {
  const { dir, cacheDir, photos, server } = await share(10);
  const proxy = await stallingProxy(server.url.replace('webdav://', 'http://'), 3);
  // The server's own timeout is far above the bound: only the Ctrl-C can end this run in time.
  const run = startCli(args(proxy.root, cacheDir), { PHOTOLALA_TIMEOUT: '120' });
  const killer = setTimeout(() => run.child.kill('SIGKILL'), 120_000);
  try {
    await until('three photos are digested and the rest stall', async () => {
      return proxy.state.stalledReads > 0 && (await thumbnails(cacheDir)) === 3;
    });
    // The three photos' rows are staged right after their thumbnails are written.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalledAt = performance.now();
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(performance.now() - signalledAt).toBeLessThan(STOP_BOUND_MS);
    const passed = [...proxy.state.passed].sort();
    const snapshot = await rootSnapshot(dir);
    expect(snapshot.rows).toEqual(passed.map((p) => ({ path: p, photo_md5: md5(photos[p]!), status: 'ok' })));
    expect(await workFiles(cacheDir)).toEqual([]);
    return { result, passed, snapshot, dir };
  } finally {
    clearTimeout(killer);
  }
}

test('the first Ctrl-C stops a scan stalled on its server within the bound, saving exactly the photos done', async () => {
  const { result, passed, snapshot, dir } = await interruptStalledScan((root, cacheDir) => [
    '--cache-dir',
    cacheDir,
    'scan',
    root,
    '--json',
  ]);
  expect(result.code).toBe(130);
  expect(result.stderr).toContain('stopping: saving what is done');
  const scanned = JSON.parse(result.stdout);
  expect(scanned.interrupted).toEqual({ remaining: 7 });
  expect(scanned.paths.added).toEqual(passed);
  // Published to the root: the snapshot the scan reports.
  expect(snapshot.catalogMd5).toBe(scanned.catalogMd5);
  expect((await readdir(dir)).filter((name) => name.startsWith('.photolala-tmp-'))).toEqual([]);
}, 180_000);

test('a second Ctrl-C while the save stalls quits at once: no working database left, the previous snapshot intact', async () => {
  const { dir, cacheDir, server } = await share(4);
  const direct = startCli(['--cache-dir', cacheDir, 'scan', server.url, '--json']);
  const first = await direct.done;
  expect(first.code).toBe(0);
  const previous = await rootSnapshot(dir);
  expect(previous.rows).toHaveLength(4);

  await writeTree(dir, {
    'p10.jpg': await syntheticJpeg(10, 320, 240),
    'p11.jpg': await syntheticJpeg(11, 320, 240),
  });
  const proxy = await stallingProxy(server.url.replace('webdav://', 'http://'), 1);
  const run = startCli(['--cache-dir', cacheDir, 'scan', proxy.root, '--json'], { PHOTOLALA_TIMEOUT: '120' });
  const killer = setTimeout(() => run.child.kill('SIGKILL'), 120_000);
  try {
    await until('one new photo is digested and the other stalls', async () => {
      return proxy.state.stalledReads > 0 && (await thumbnails(cacheDir)) === 5;
    });
    proxy.state.stallUploads = true;
    run.child.kill('SIGINT');
    // The first Ctrl-C starts the save, whose upload to the root stalls.
    await until('the snapshot upload stalls', () => proxy.state.stalledUploads > 0);
    const signalledAt = performance.now();
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(performance.now() - signalledAt).toBeLessThan(STOP_BOUND_MS);
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('');
    expect(await workFiles(cacheDir)).toEqual([]);
    // The root still names the snapshot of the first scan, whole.
    expect(await rootSnapshot(dir)).toEqual(previous);
  } finally {
    clearTimeout(killer);
  }
}, 180_000);

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  test(`${signal} stops \`list\` of a server that never answers within the bound`, async () => {
    const cacheDir = await tempDir('interrupt-list');
    cleanup.push(() => rm(cacheDir, { recursive: true, force: true }));
    const sockets = new Set<net.Socket>();
    let connected!: () => void;
    const reached = new Promise<void>((resolve) => {
      connected = resolve;
    });
    // Accepts the connection and never answers: the request is in flight when the signal comes.
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      connected();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const { port } = silent.address() as net.AddressInfo;
    const run = startCli(['--cache-dir', cacheDir, 'list', `webdav://127.0.0.1:${port}/photos`], {
      PHOTOLALA_TIMEOUT: '120',
    });
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 120_000);
    try {
      await reached;
      const signalledAt = performance.now();
      run.child.kill(signal);
      const result = await run.done;
      expect(performance.now() - signalledAt).toBeLessThan(STOP_BOUND_MS);
      expect(result.code).toBe(130);
      expect(result.stderr).toContain('interrupted');
    } finally {
      clearTimeout(killer);
    }
  }, 180_000);

test('serve --scan: the first Ctrl-C stops its background scan stalled on the server within the bound, saving the photos done', async () => {
  const { result } = await interruptStalledScan((root, cacheDir) => [
    '--cache-dir',
    cacheDir,
    'serve',
    root,
    '--scan',
    '--port',
    '0',
  ]);
  // Stopped by a signal: 130, as a scan's Ctrl-C is, once the catalog is saved.
  expect(result.code).toBe(130);
  expect(result.stderr).not.toContain('failed');
}, 180_000);

test('compare --scan: the first Ctrl-C stops the scan stalled on the server, saves what it did, and gives no answer', async () => {
  const dest = await tempDir('interrupt-compare-dest');
  cleanup.push(() => rm(dest, { recursive: true, force: true }));
  const { result } = await interruptStalledScan((root, cacheDir) => [
    '--cache-dir',
    cacheDir,
    'compare',
    root,
    dest,
    '--scan',
  ]);
  expect(result.code, result.stderr).toBe(130);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain('no answer from catalogs that are not up to date');
}, 180_000);
