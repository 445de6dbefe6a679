import http from 'node:http';
import net from 'node:net';

/** A TCP server on 127.0.0.1 that accepts connections and never answers: a hung server. */
export async function startSilentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface FaultRule {
  /** Matches `METHOD /path?query`: a substring, or a pattern. */
  match: string | RegExp;
  /** An HTTP status to answer with, or 'stall' to accept the request and never answer. */
  action: number | 'stall';
  /** How many matching requests get the fault. */
  times: number;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of `target` (http://host:port) that fails or stalls the
 * requests its rules match, the first `times` of each, and passes the rest through. `seen` counts
 * the requests each rule caught.
 */
export async function startFaultProxy(target: string, rules: FaultRule[] = []) {
  const upstream = new URL(target);
  const sockets = new Set<net.Socket>();
  const caught = new Map<FaultRule, number>();
  const server = http.createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    const rule = rules.find(
      (r) => r.times > 0 && (typeof r.match === 'string' ? line.includes(r.match) : r.match.test(line)),
    );
    if (rule) {
      rule.times--;
      caught.set(rule, (caught.get(rule) ?? 0) + 1);
      if (rule.action === 'stall') {
        req.resume();
        return;
      }
      req.resume();
      req.on('end', () => {
        res.writeHead(rule.action as number, { 'content-type': 'text/plain' });
        res.end('injected fault');
      });
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
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
  return {
    port,
    rules,
    caught: (rule: FaultRule) => caught.get(rule) ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
