import { rm } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

let server: S3TestServer;
let cacheDir: string;
beforeAll(async () => {
  server = await startS3Server(['messages']);
  cacheDir = await tempDir('cli-s3-messages');
}, 30_000);
afterAll(async () => {
  await server?.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

test('wrong S3 credentials say to check the credentials, not "UnknownError"', async () => {
  const result = await runCli(['--cache-dir', cacheDir, 'list', 's3://messages/photos'], {
    ...server.cliEnv(),
    AWS_ACCESS_KEY_ID: 'NOT-A-KEY',
    AWS_SECRET_ACCESS_KEY: 'not-the-secret',
  });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/HTTP 403/);
  expect(result.stderr).toMatch(/check the credentials/);
  expect(result.stderr).not.toMatch(/Unknown/);
  expect(result.stderr).not.toContain('not-the-secret');
});

test('with -q an S3 command prints no AWS SDK warning about the Node version', async () => {
  // A prefix is a root when an object is under it (a prefix under which there is none does not exist).
  const client = server.client();
  await client.send(new PutObjectCommand({ Bucket: 'messages', Key: 'photos/', Body: '' }));
  client.destroy();
  const result = await runCli(['--cache-dir', cacheDir, '-q', 'scan', 's3://messages/photos'], {
    ...server.cliEnv(),
    // The SDK warns unless this is exactly "true": the CLI must not depend on the user setting it.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '',
  });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
});
