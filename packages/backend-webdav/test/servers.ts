import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { freeLocalPort } from '@photolala/core/testing';
import { v2 as webdav } from 'webdav-server';

export interface RunningServer {
  url: string;
  requests: Map<string, number>;
  stop(): Promise<void>;
}

/** webdav-server (npm) in this process, serving `dir`, optionally behind Basic auth. */
export async function startWebdavServer(
  dir: string,
  auth?: { username: string; password: string },
): Promise<RunningServer> {
  const requests = new Map<string, number>();
  const options: ConstructorParameters<typeof webdav.WebDAVServer>[0] = {
    hostname: '127.0.0.1',
    // Deep PROPFINDs answer 403 otherwise; our client only sends Depth 1, but other tools may not.
    maxRequestDepth: Number.POSITIVE_INFINITY,
  };
  if (auth) {
    const users = new webdav.SimpleUserManager();
    const user = users.addUser(auth.username, auth.password, false);
    const privileges = new webdav.SimplePathPrivilegeManager();
    privileges.setRights(user, '/', ['all']);
    options.httpAuthentication = new webdav.HTTPBasicAuthentication(users, 'photolala-test');
    options.privilegeManager = privileges;
  }
  const server = new webdav.WebDAVServer(options);
  server.beforeRequest((ctx, next) => {
    requests.set(ctx.request.method ?? '?', (requests.get(ctx.request.method ?? '?') ?? 0) + 1);
    next();
  });
  await server.setFileSystemAsync('/', new webdav.PhysicalFileSystem(dir));
  const port = await freeLocalPort();
  const httpServer = await server.startAsync(port);
  return {
    url: `webdav://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections?.();
        server.stop(() => resolve());
      }),
  };
}

/** `rclone serve webdav` (Debian's rclone) serving `dir` with Basic auth, plus `extraArgs`. */
export async function startRclone(
  dir: string,
  auth: { username: string; password: string },
  extraArgs: string[] = [],
): Promise<RunningServer> {
  if (spawnSync('rclone', ['version'], { stdio: 'ignore' }).error) {
    throw new Error(
      'rclone is not installed: run `apt-get install -y rclone` (scripts/setup.sh does this as root)',
    );
  }
  const port = await freeLocalPort();
  const child: ChildProcess = spawn(
    'rclone',
    [
      'serve',
      'webdav',
      dir,
      '--addr',
      `127.0.0.1:${port}`,
      '--user',
      auth.username,
      '--pass',
      auth.password,
      '--config',
      '/dev/null',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`rclone serve webdav did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `webdav://127.0.0.1:${port}`,
    requests: new Map(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A proxy in front of a server that drops the Range header and counts the body bytes it relays. */
export async function startRangeDroppingProxy(
  target: string,
): Promise<RunningServer & { bytesRelayed: () => number }> {
  const upstream = new URL(target.replace(/^webdav:/, 'http:'));
  let relayed = 0;
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers.range;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          relayed += chunk.length;
        });
        answer.pipe(res);
        res.on('close', () => answer.destroy());
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const port = await freeLocalPort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `webdav://127.0.0.1:${port}`,
    requests: new Map(),
    bytesRelayed: () => relayed,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
