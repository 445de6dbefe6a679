// The remote-webdav and remote-smb scenarios: a root of N small photos served by `rclone serve webdav`
// (behind a counting proxy) or by a private Samba smbd (with its profiling counters), opened through
// the registry as users open webdav:// and smb:// roots. The servers are started as the backends'
// tests start them (packages/backend-webdav/test/servers.ts, packages/backend-smb/test/samba.ts).
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openCatalog, openRoot } from '@photolala/core';
import { type Requests, sourceTimer, timeRemotePhases } from './remote-phases.js';

export interface Harness {
  root: string;
  env: NodeJS.ProcessEnv;
  /** Requests since the last call, then zeroed. */
  requests(): Promise<Requests>;
  /** The bare listing the unchanged rescan is held to; gives how many files it listed. */
  listing(): Promise<number>;
  /** Removes the catalog files a run left in the root, so that the first scan is cold. */
  clearCatalog(): void;
  stop(): Promise<void>;
}

/** Hard links to the first `count` photos of the corpus under `dir` (once), as the S3 scenario uploads. */
function fill(corpus: string, dir: string, count: number): void {
  const marker = `${dir}.complete`;
  if (existsSync(marker)) return;
  rmSync(dir, { recursive: true, force: true });
  const photos = (readdirSync(corpus, { recursive: true }) as string[])
    .filter((n) => /\.jpe?g$/i.test(n) && !n.split(path.sep).some((part) => part.startsWith('.')))
    .sort()
    .slice(0, count);
  for (const name of photos) {
    mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
    linkSync(path.join(corpus, name), path.join(dir, name));
  }
  writeFileSync(marker, '');
}

function clearCatalogFiles(dir: string): void {
  for (const name of readdirSync(dir))
    if (name.startsWith('.photolala')) rmSync(path.join(dir, name), { recursive: true, force: true });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, what: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A command's output; it fails when the command does. */
const run = (command: string, args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(command, args, { encoding: 'utf8', maxBuffer: 1 << 28 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} failed: ${stderr}${stdout}`)) : resolve(stdout),
    ),
  );

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/**
 * `rclone serve webdav` over `dir`, behind a proxy that counts requests by method (PROPFIND by its
 * Depth) and the GETs of photos.
 */
export async function webdavHarness(dir: string): Promise<Harness> {
  const rclonePort = await freePort();
  const rclone = spawn(
    'rclone',
    ['serve', 'webdav', path.dirname(dir), '--addr', `127.0.0.1:${rclonePort}`, '--config', '/dev/null'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  rclone.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  await waitForPort(
    rclonePort,
    rclone,
    () => `rclone serve webdav did not start (apt-get install rclone): ${stderr}`,
  );
  let stats: Record<string, number> = {};
  let photoReads = 0;
  const folder = `/${path.basename(dir)}/`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const proxy = http.createServer((req, res) => {
    const kind =
      req.method === 'PROPFIND' ? `PROPFIND_DEPTH_${req.headers.depth ?? 'infinity'}` : (req.method ?? '?');
    stats[kind] = (stats[kind] ?? 0) + 1;
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method === 'GET' && pathname.startsWith(folder) && !pathname.includes('/.photolala'))
      photoReads++;
    const onward = http.request(
      { host: '127.0.0.1', port: rclonePort, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    onward.on('error', () => res.destroy());
    req.pipe(onward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${port}`;
  return {
    root: `webdav://127.0.0.1:${port}/${path.basename(dir)}`,
    env: { ...process.env },
    requests: async () => {
      const result = { byKind: stats, photoReads };
      stats = {};
      photoReads = 0;
      return result;
    },
    // Not spawnSync: the proxy it goes through runs in this process.
    listing: async () => {
      const out = await run('rclone', [
        'lsf',
        '-R',
        '--files-only',
        '--config',
        '/dev/null',
        '--webdav-url',
        url,
        `:webdav:${path.basename(dir)}`,
      ]);
      return out.split('\n').filter((line) => /\.jpe?g$/i.test(line)).length;
    },
    clearCatalog: () => clearCatalogFiles(dir),
    stop: async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      agent.destroy();
      await stopChild(rclone);
    },
  };
}

/** smbd's profiling counters (`smbstatus -P`), for SMB2 operations that ran at least once. */
function smbCounters(config: string): Record<string, number> {
  const run = spawnSync('smbstatus', ['-P', '-s', config], { encoding: 'utf8' });
  const counters: Record<string, number> = {};
  for (const match of run.stdout.matchAll(/^(smb2_\w+)_count:\s+(\d+)/gm))
    counters[match[1]!] = Number(match[2]);
  return counters;
}

/**
 * A private smbd on a free port sharing the parent of `dir`, configured as the backend's tests do, plus
 * `smbd profiling level = count` so that its SMB2 operations can be counted.
 */
export async function smbHarness(dir: string): Promise<Harness> {
  const state = mkdtempSync(path.join(os.tmpdir(), 'photolala-bench-samba-'));
  const subs = ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc'];
  for (const sub of subs) mkdirSync(path.join(state, sub), { recursive: true });
  const port = await freePort();
  const username = os.userInfo().username;
  const password = `bench-${process.pid}`;
  const config = path.join(state, 'smb.conf');
  writeFileSync(
    config,
    [
      '[global]',
      '  server role = standalone server',
      `  smb ports = ${port}`,
      '  interfaces = 127.0.0.1',
      '  bind interfaces only = yes',
      '  disable netbios = yes',
      ...subs.map(
        (sub) => `  ${sub === 'ncalrpc' ? 'ncalrpc dir' : `${sub} directory`} = ${path.join(state, sub)}`,
      ),
      `  passdb backend = tdbsam:${path.join(state, 'private', 'passdb.tdb')}`,
      '  load printers = no',
      '  printcap name = /dev/null',
      '  disable spoolss = yes',
      `  log file = ${path.join(state, 'log.smbd')}`,
      '  smbd profiling level = count',
      '[bench]',
      `  path = ${path.dirname(dir)}`,
      '  read only = no',
      '',
    ].join('\n'),
  );
  const added = spawnSync('smbpasswd', ['-c', config, '-a', '-s', username], {
    input: `${password}\n${password}\n`,
    encoding: 'utf8',
  });
  if (added.status !== 0) throw new Error(`smbpasswd failed (apt-get install samba): ${added.stderr}`);
  const smbd = spawn(
    '/usr/sbin/smbd',
    ['--foreground', '--no-process-group', '--debug-stdout', '-s', config],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  );
  let stderr = '';
  smbd.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  await waitForPort(port, smbd, () => `smbd did not start: ${stderr.slice(-2000)}`);
  let last = smbCounters(config);
  return {
    root: `smb://${username}@127.0.0.1:${port}/bench/${path.basename(dir)}`,
    env: { ...process.env, PHOTOLALA_SMB_PASSWORD: password },
    requests: async () => {
      const current = smbCounters(config);
      const byKind: Record<string, number> = {};
      for (const [name, count] of Object.entries(current)) {
        const delta = count - (last[name] ?? 0);
        if (delta > 0) byKind[name.replace(/^smb2_/, '').toUpperCase()] = delta;
      }
      last = current;
      // The counters do not say which file a READ was of: the catalog's own files are read too.
      return { byKind, photoReads: -1 };
    },
    listing: async () => {
      const out = await run('smbclient', [
        '//127.0.0.1/bench',
        '-p',
        String(port),
        '-U',
        `${username}%${password}`,
        '-c',
        `cd ${path.basename(dir)}; recurse; ls`,
      ]);
      return out.split('\n').filter((line) => /\.jpe?g\s+A?N?\s*\d+/i.test(line)).length;
    },
    clearCatalog: () => clearCatalogFiles(dir),
    stop: async () => {
      try {
        process.kill(-smbd.pid!, 'SIGTERM');
      } catch {
        smbd.kill('SIGTERM');
      }
      await new Promise((r) => setTimeout(r, 200));
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * Cold first scan, unchanged rescan and reopen + list of a webdav:// or smb:// root of `count`
 * photos, with the requests each made; the unchanged rescan is timed against the bare listing.
 */
export async function remoteServer(kind: 'webdav' | 'smb', corpus: string, cacheDir: string, count: number) {
  const dir = path.join(path.dirname(cacheDir), `${kind}-${count}`, 'photos');
  fill(corpus, dir, count);
  const server = kind === 'webdav' ? await webdavHarness(dir) : await smbHarness(dir);
  try {
    rmSync(cacheDir, { recursive: true, force: true });
    server.clearCatalog();
    const timer = sourceTimer();
    const open = async () => {
      const { source } = await openRoot(server.root, { env: server.env });
      return openCatalog(timer.wrap(source), { cacheDir });
    };
    const phases = await timeRemotePhases({
      open,
      requests: server.requests,
      listing: server.listing,
      sourceTimes: timer.taken,
    });
    const { rescan, rescanRequests } = phases;
    return {
      scenario: `remote-${kind}`,
      files: phases.files,
      ms: phases.ms,
      baselineMs: phases.baselineMs,
      baseline:
        kind === 'webdav'
          ? 'rclone lsf -R over the same rclone serve webdav'
          : "smbclient -c 'recurse; ls' over the same smbd",
      extra: {
        ...phases.extra,
        baselineRequests: JSON.stringify(phases.baselineRequests.byKind),
        rescanDigested: rescan.digested,
        // SMB's counters cannot tell a photo's READ from one of the catalog's files: no digest ran and
        // the CREATEs (opens) are few, so no photo was opened.
        rescanPhotoReads: rescanRequests.photoReads >= 0 ? rescanRequests.photoReads : rescan.digested,
      },
    };
  } finally {
    await server.stop();
  }
}
