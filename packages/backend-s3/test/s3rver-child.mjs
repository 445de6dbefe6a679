// Runs s3rver with a request-counting, fault-injecting proxy in front of it, in its own process:
// s3rver's pagination tokens use DES, which OpenSSL 3 offers only under --openssl-legacy-provider,
// and that flag belongs to this test server, not to the library's users.
// Prints {"port": N} once ready. Control endpoints on the proxy: GET /__stats, POST /__reset,
// POST /__faults with [{ "match": "substring of method+url", "status": 500 | "hang", "times": n }].
// It also does what s3rver leaves out and S3 does: 416 for a ranged GET of an empty object, and
// If-Match / If-None-Match on a PUT, checked against the object's ETag, one PUT per key at a time.
import http from 'node:http';
import S3rver from 's3rver';

const [directory, buckets] = process.argv.slice(2);
const s3rver = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.split(',').map((name) => ({ name })),
});
const { port: upstreamPort } = await s3rver.run();

let stats = {};
let faults = [];
/** The last PUT queued for each key; the next waits for it to be answered. */
const putTurns = new Map();
const classify = (req) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.searchParams.has('list-type')) return 'LIST';
  if (req.method === 'PUT' && url.searchParams.has('partNumber')) return 'UPLOAD_PART';
  if (req.method === 'POST' && url.searchParams.has('uploads')) return 'START_MULTIPART';
  return req.method;
};
const json = (res, value) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};
const proxy = http.createServer((req, res) => {
  if (req.url === '/__stats') return json(res, stats);
  if (req.url === '/__reset') {
    stats = {};
    faults = [];
    return json(res, {});
  }
  if (req.url === '/__faults') {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      faults = JSON.parse(body);
      json(res, {});
    });
    return;
  }
  const kind = classify(req);
  stats[kind] = (stats[kind] ?? 0) + 1;
  // Per object too: "GET /bucket/key", or "GET_RANGE /bucket/key" for a ranged read.
  const perKey = `${kind === 'GET' && req.headers.range ? 'GET_RANGE' : kind} ${new URL(req.url, 'http://x').pathname}`;
  stats[perKey] = (stats[perKey] ?? 0) + 1;
  const fault = faults.find((f) => f.times > 0 && `${req.method} ${req.url}`.includes(f.match));
  if (fault) {
    fault.times--;
    if (fault.status === 'hang') return; // never answer; the client's timeout must handle it
    res.writeHead(fault.status, { 'content-type': 'application/xml' });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected</Message></Error>',
    );
    req.resume();
    return;
  }
  if (req.method === 'PUT' && (req.headers['if-match'] || req.headers['if-none-match'])) {
    // S3 checks the condition and stores the object as one step: conditional PUTs to a key wait
    // their turn, each until the one before is answered.
    const key = new URL(req.url, 'http://x').pathname;
    const before = putTurns.get(key) ?? Promise.resolve();
    const turn = before.then(
      () =>
        new Promise((done) => {
          res.on('close', done);
          conditionalPut();
        }),
    );
    putTurns.set(key, turn);
    turn.then(() => {
      if (putTurns.get(key) === turn) putTurns.delete(key);
    });
    return;
  }
  if (req.method === 'GET' && req.headers.range) {
    // s3rver never answers a ranged GET of an empty object; S3 answers 416 InvalidRange. Emulate S3.
    const { range: _range, ...headers } = req.headers;
    const probe = http.request(
      { host: '127.0.0.1', port: upstreamPort, path: req.url, method: 'HEAD', headers },
      (answer) => {
        answer.resume();
        if (answer.statusCode === 200 && answer.headers['content-length'] === '0') {
          res.writeHead(416, { 'content-type': 'application/xml' });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message></Error>',
          );
          return;
        }
        pass();
      },
    );
    probe.on('error', () => res.destroy());
    probe.end();
    return;
  }
  pass();
  function conditionalPut() {
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    // Without the conditions: s3rver would answer the HEAD itself with 304 or 412.
    const {
      'content-length': _length,
      'content-type': _type,
      expect: _expect,
      'if-match': _match,
      'if-none-match': _noneMatch,
      ...headers
    } = req.headers;
    const probe = http.request(
      { host: '127.0.0.1', port: upstreamPort, path: req.url, method: 'HEAD', headers },
      (answer) => {
        answer.resume();
        const etag = answer.statusCode === 200 ? answer.headers.etag?.replace(/"/g, '') : undefined;
        const holds =
          ifNoneMatch === '*' ? etag === undefined : etag !== undefined && ifMatch.replace(/"/g, '') === etag;
        if (holds) return pass();
        stats.PRECONDITION_FAILED = (stats.PRECONDITION_FAILED ?? 0) + 1;
        req.resume();
        res.writeHead(412, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
        );
      },
    );
    probe.on('error', () => res.destroy());
    probe.end();
  }
  function pass() {
    const forward = http.request(
      { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  }
});
proxy.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: proxy.address().port })}\n`);
});
process.on('SIGTERM', async () => {
  proxy.close();
  await s3rver.close();
  process.exit(0);
});
