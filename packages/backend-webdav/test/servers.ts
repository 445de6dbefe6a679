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

/**
 * A proxy in front of a WebDAV server that enforces `If-Match`/`If-None-Match` on PUT, as Apache
 * mod_dav and Nextcloud do and webdav-server and rclone do not: the file's ETag is read with a
 * Depth 0 PROPFIND (with the request's own credentials), a condition that does not hold is answered
 * 412, and conditional PUTs to one path take turns, each until the one before is answered, so that
 * the check and the write are one step as on such a server. `stats()` counts the 412s, `refused()`
 * lists their paths. With `weakEtagsMs`, it also does what Apache does for the second after a file
 * is written: a Depth 0 PROPFIND of it reports its ETag weak (`W/"..."`), and If-Match on it fails.
 */
export async function startConditionalProxy(
  target: string,
  { weakEtagsMs = 0 }: { weakEtagsMs?: number } = {},
): Promise<RunningServer & { stats: () => Record<string, number>; refused: () => string[] }> {
  const upstream = new URL(target.replace(/^webdav:/, 'http:'));
  const stats: Record<string, number> = {};
  const refused: string[] = [];
  const turns = new Map<string, Promise<void>>();
  /** When each path was last written through the proxy (PUT, or the target of a MOVE). */
  const written = new Map<string, number>();
  const weak = (key: string) => Date.now() - (written.get(key) ?? Number.NEGATIVE_INFINITY) < weakEtagsMs;
  const server = http.createServer((req, res) => {
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    const key = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'PUT' || req.method === 'MOVE') {
      const destination = String(req.headers.destination ?? '');
      const changed = req.method === 'MOVE' && destination ? new URL(destination, 'http://x').pathname : key;
      res.on('finish', () => {
        if (res.statusCode < 300) written.set(changed, Date.now());
      });
    }
    if (req.method === 'PROPFIND' && req.headers.depth === '0' && weak(key)) {
      forward(req.headers, (xml) => xml.replace(/(<[^>]*getetag[^>]*>\s*)(?=")/gi, '$1W/'));
      return;
    }
    if (req.method !== 'PUT' || (ifMatch === undefined && ifNoneMatch === undefined)) {
      forward(req.headers);
      return;
    }
    const turn = (turns.get(key) ?? Promise.resolve()).then(
      () =>
        new Promise<void>((done) => {
          res.on('close', done);
          check();
        }),
    );
    turns.set(key, turn);
    void turn.then(() => {
      if (turns.get(key) === turn) turns.delete(key);
    });

    function check() {
      const { 'if-match': _m, 'if-none-match': _n, ...headers } = req.headers;
      const probe = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: 'PROPFIND',
          headers: {
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
            depth: '0',
            'content-type': 'application/xml',
          },
        },
        (answer) => {
          let xml = '';
          answer.setEncoding('utf8');
          answer.on('data', (chunk: string) => {
            xml += chunk;
          });
          answer.on('end', () => {
            const etag =
              answer.statusCode === 207 ? /<[^>]*getetag[^>]*>\s*([^<]*?)\s*</i.exec(xml)?.[1] : undefined;
            const holds =
              ifNoneMatch === '*'
                ? etag === undefined
                : etag !== undefined &&
                  !etag.startsWith('W/') &&
                  !weak(key) &&
                  (ifMatch ?? '').split(',').some((tag) => tag.trim() === etag);
            if (holds) return forward(headers);
            stats.PRECONDITION_FAILED = (stats.PRECONDITION_FAILED ?? 0) + 1;
            refused.push(key);
            req.resume();
            res.writeHead(412, { 'content-type': 'text/plain' });
            res.end('precondition failed');
          });
        },
      );
      probe.on('error', () => res.destroy());
      probe.end(
        '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>',
      );
    }

    /** Passes the request on; with `rewrite`, the answer's body is read whole and rewritten. */
    function forward(headers: http.IncomingHttpHeaders, rewrite?: (body: string) => string) {
      const onward = http.request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
        (answer) => {
          if (rewrite) {
            let body = '';
            answer.setEncoding('utf8');
            answer.on('data', (chunk: string) => {
              body += chunk;
            });
            answer.on('end', () => {
              const out = Buffer.from(rewrite(body));
              const { 'content-length': _length, 'transfer-encoding': _encoding, ...rest } = answer.headers;
              res.writeHead(answer.statusCode ?? 502, { ...rest, 'content-length': out.length });
              res.end(out);
            });
            answer.on('error', () => res.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          res.on('close', () => answer.destroy());
          // An answer cut short upstream (webdav-server announces a byte for a range of an empty
          // file and hangs up after its keep-alive) is cut short here too, not left hanging.
          answer.on('close', () => {
            if (!answer.complete) res.destroy();
          });
        },
      );
      onward.on('error', () => res.destroy());
      req.pipe(onward);
    }
  });
  const port = await freeLocalPort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `webdav://127.0.0.1:${port}`,
    requests: new Map(),
    stats: () => ({ ...stats }),
    refused: () => [...refused],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
