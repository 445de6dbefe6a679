import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { RootSource } from '@photolala/core';
import { afterAll, beforeAll } from 'vitest';
import { createS3Source } from '../src/index.js';
import { type S3TestServer, startS3Server } from './s3-server.js';

/**
 * What s3rver does that S3 does not, for the conformance suite: s3rver writes an object in place
 * while it is read, so a reader can see a mix; S3 itself makes a PUT visible all at once. The catalog
 * never relies on it: snapshots are verified by MD5.
 */
export const S3RVER_QUIRKS = { readsDuringReplace: false } as const;

/** A source over a fresh prefix of the bucket that holds exactly the files it was given. */
export interface S3Root {
  source: RootSource;
  prefix: string;
  dispose(): Promise<void>;
}

export interface S3Roots {
  /** The running s3rver (from the file's first test on). */
  readonly server: S3TestServer;
  /** Uploads the files under a new prefix and opens a source over it, with its own client. */
  create(
    files: { path: string; data: Uint8Array | string }[],
    client?: { maxAttempts?: number; requestTimeoutMs?: number },
  ): Promise<S3Root>;
}

/** Starts s3rver with one bucket before the test file's tests and stops it after them. */
export function useS3Roots(bucket: string): S3Roots {
  let running: S3TestServer | undefined;
  let prefixes = 0;
  beforeAll(async () => {
    running = await startS3Server([bucket]);
  }, 30_000);
  afterAll(() => running?.stop());
  const roots: S3Roots = {
    get server() {
      if (!running) throw new Error(`s3rver for bucket ${bucket} is not running yet`);
      return running;
    },
    async create(files, options = {}) {
      const prefix = `root-${++prefixes}`;
      const client = roots.server.client(options);
      for (const file of files) {
        const Body = typeof file.data === 'string' ? Buffer.from(file.data) : file.data;
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${file.path}`, Body }));
      }
      const source = await createS3Source({ bucket, prefix, client });
      return { source, prefix, dispose: async () => client.destroy() };
    },
  };
  return roots;
}
