// The remote-s3 scenario: a root of N small photos on s3rver behind the tests' counting proxy
// (packages/backend-s3/test/s3rver-child.mjs), opened through the registry as users open s3:// roots.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openCatalog, openRoot } from '@photolala/core';
import pLimit from 'p-limit';
import { type Requests, sourceTimer, timeRemotePhases } from './remote-phases.js';

export const BUCKET = 'bench';
export const PREFIX = 'photos/';

/** The proxy's counts, by kind and by "KIND /url", as the requests a scenario reports. */
function requestsOf(stats: Record<string, number>): Requests {
  const byKind: Record<string, number> = {};
  let photoReads = 0;
  for (const [key, count] of Object.entries(stats)) {
    if (!key.includes(' ')) byKind[key] = count;
    else if (/^GET(_RANGE)? \/[^/]+\/photos\/(?!\.photolala)/.test(key)) photoReads += count;
  }
  return { byKind, photoReads };
}

export interface Server {
  endpoint: string;
  env: NodeJS.ProcessEnv;
  client: S3Client;
  /** Requests since the last call, then zeroed: by kind (LIST, GET, HEAD, PUT, ...), and photo reads. */
  requests(): Promise<Requests>;
  stop(): void;
}

export async function startServer(directory: string): Promise<Server> {
  const child = path.resolve('..', 'packages/backend-s3/test/s3rver-child.mjs');
  const proc: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', child, directory, BUCKET],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: path.dirname(child),
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.once('data', (d) => resolve((JSON.parse(String(d)) as { port: number }).port));
    proc.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    endpoint,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      PHOTOLALA_S3_FORCE_PATH_STYLE: '1',
      PHOTOLALA_S3_CHECKSUMS: 'WHEN_REQUIRED',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    client: new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    requests: async () => {
      const stats = (await (await fetch(`${endpoint}/__stats`)).json()) as Record<string, number>;
      await fetch(`${endpoint}/__reset`, { method: 'POST', body: '{}' });
      return requestsOf(stats);
    },
    stop: () => proc.kill('SIGTERM'),
  };
}

/** Uploads the first `count` photos of the small corpus once; s3rver keeps them in `directory`. */
async function fill(server: Server, corpus: string, directory: string, count: number): Promise<void> {
  const marker = path.join(directory, '..', `${path.basename(directory)}.complete`);
  if (existsSync(marker)) return;
  const photos = (readdirSync(corpus, { recursive: true }) as string[])
    .filter((n) => /\.jpe?g$/i.test(n) && !n.split(path.sep).some((part) => part.startsWith('.')))
    .sort()
    .slice(0, count);
  const limit = pLimit(16);
  await Promise.all(
    photos.map((name) =>
      limit(() =>
        server.client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: PREFIX + name.split(path.sep).join('/'),
            Body: readFileSync(path.join(corpus, name)),
          }),
        ),
      ),
    ),
  );
  writeFileSync(marker, '');
}

/** The baseline: a bare ListObjectsV2 pagination loop over the same prefix; gives every key. */
export async function listLoop(client: S3Client): Promise<string[]> {
  let token: string | undefined;
  const keys: string[] = [];
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/**
 * Cold first scan, unchanged rescan and reopen + list of an s3:// root of `count` photos, with the
 * requests each made; the unchanged rescan is timed against the bare listing.
 */
export async function remoteS3(corpus: string, cacheDir: string, count: number) {
  const directory = path.join(path.dirname(cacheDir), `s3rver-${count}`);
  mkdirSync(directory, { recursive: true });
  const server = await startServer(directory);
  try {
    await fill(server, corpus, directory, count);
    rmSync(cacheDir, { recursive: true, force: true });
    const root = `s3://${BUCKET}/${PREFIX.slice(0, -1)}`;
    // The backend reads the region and credentials through the AWS SDK's chain, from this process.
    Object.assign(process.env, server.env);
    const timer = sourceTimer();
    const open = async () => {
      const { source } = await openRoot(root, { env: server.env });
      return openCatalog(timer.wrap(source), { cacheDir });
    };
    // A root left by an earlier run: its catalog files go, so the first scan is cold.
    for (const key of await listLoop(server.client))
      if (key.startsWith(`${PREFIX}.photolala`))
        await server.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const phases = await timeRemotePhases({
      open,
      requests: () => server.requests(),
      listing: async () => (await listLoop(server.client)).length,
      sourceTimes: timer.taken,
    });
    return {
      scenario: 'remote-s3',
      files: phases.files,
      ms: phases.ms,
      baselineMs: phases.baselineMs,
      baseline: 'bare ListObjectsV2 pagination loop, same prefix',
      extra: { ...phases.extra, rescanPhotoReads: phases.rescanRequests.photoReads },
    };
  } finally {
    server.stop();
  }
}
