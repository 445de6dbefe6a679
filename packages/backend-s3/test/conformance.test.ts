import { PutObjectCommand } from '@aws-sdk/client-s3';
import { runRootSourceConformance } from '@photolala/core/testing';
import { afterAll, beforeAll, test } from 'vitest';
import { createS3Source } from '../src/index.js';
import { type S3TestServer, startS3Server } from './s3-server.js';

let server: S3TestServer;
let roots = 0;
beforeAll(async () => {
  server = await startS3Server(['conformance']);
}, 30_000);
afterAll(() => server?.stop());

runRootSourceConformance({
  name: 's3 (s3rver)',
  test,
  timeoutMs: 60_000,
  // s3rver writes an object in place while it is read, so a reader can see a mix; S3 itself makes a
  // PUT visible all at once. The catalog never relies on it: snapshots are verified by MD5.
  features: { readsDuringReplace: false, writeProgress: true },
  createSource: async (files) => {
    const prefix = `root-${++roots}`;
    const client = server.client();
    for (const file of files)
      await client.send(
        new PutObjectCommand({ Bucket: 'conformance', Key: `${prefix}/${file.path}`, Body: file.data }),
      );
    return {
      source: await createS3Source({ bucket: 'conformance', prefix, client }),
      dispose: async () => client.destroy(),
    };
  },
});
