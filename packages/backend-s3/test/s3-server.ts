import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3SourceOptions } from '../src/index.js';

export interface S3TestServer {
  endpoint: string;
  /** The environment a CLI process needs to reach this server through the AWS SDK's standard chain. */
  cliEnv(): Record<string, string>;
  client(options?: { maxAttempts?: number; requestTimeoutMs?: number }): S3Client;
  /** What `createS3Source` takes to open `bucket` (under `prefix`) on this server. */
  sourceOptions(bucket: string, prefix?: string): S3SourceOptions;
  stats(): Promise<Record<string, number>>;
  reset(): Promise<void>;
  faults(list: { match: string; status: number | 'hang'; times: number }[]): Promise<void>;
  stop(): Promise<void>;
}

const child = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));

/** Starts s3rver behind a counting proxy on 127.0.0.1, on a free port, with the given buckets. */
export async function startS3Server(buckets: string[]): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 'photolala-s3rver-'));
  const proc: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', child, directory, buckets.join(',')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: path.dirname(child),
    },
  );
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.once('data', (d) => resolve((JSON.parse(String(d)) as { port: number }).port));
    proc.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${stderr}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const control = async (p: string, body?: unknown) =>
    (await (
      await fetch(`${endpoint}${p}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
    ).json()) as Record<string, number>;
  return {
    endpoint,
    cliEnv: () => ({
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      PHOTOLALA_S3_FORCE_PATH_STYLE: '1',
      PHOTOLALA_S3_CHECKSUMS: 'WHEN_REQUIRED',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }),
    client: (options = {}) =>
      new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: options.maxAttempts ?? 3,
        ...(options.requestTimeoutMs
          ? { requestHandler: { requestTimeout: options.requestTimeoutMs, throwOnRequestTimeout: true } }
          : {}),
      }),
    sourceOptions: (bucket, prefix) => ({
      bucket,
      ...(prefix === undefined ? {} : { prefix }),
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      checksums: 'WHEN_REQUIRED',
    }),
    stats: () => control('/__stats'),
    reset: async () => {
      await control('/__reset', {});
    },
    faults: async (list) => {
      await control('/__faults', list);
    },
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
