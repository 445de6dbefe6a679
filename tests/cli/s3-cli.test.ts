import { rm } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { syntheticJpeg, tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

let server: S3TestServer;
const cleanup: string[] = [];
beforeAll(async () => {
  server = await startS3Server(['cli-photos']);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the CLI catalogs an s3:// prefix with the standard AWS environment, into the s3 cache shard', async () => {
  const client = server.client();
  for (const [key, seed] of [
    ['2024/a.jpg', 1],
    ['2024/sub/b.jpg', 2],
  ] as const) {
    await client.send(
      new PutObjectCommand({ Bucket: 'cli-photos', Key: `library/${key}`, Body: await syntheticJpeg(seed) }),
    );
  }
  client.destroy();
  const cacheDir = await tempDir('cli-s3-cache');
  cleanup.push(cacheDir);
  const env = server.cliEnv();
  const scan = await runCli(['--cache-dir', cacheDir, 'scan', 's3://cli-photos/library/', '--json'], env);
  expect(scan.stderr).toBe('');
  expect(scan.code).toBe(0);
  const result = JSON.parse(scan.stdout);
  expect(result).toMatchObject({ root: 's3://cli-photos/library', entries: 2, added: 2, failed: [] });
  expect(result.snapshots[0]).toBe(`s3://cli-photos/library/.photolala.${result.catalogMd5}.sqlite`);
  const thumb = await runCli(
    ['--cache-dir', cacheDir, 'thumbnail', 's3://cli-photos/library', '2024/sub/b.jpg'],
    env,
  );
  expect(thumb.code).toBe(0);
  expect(thumb.stdout.trim()).toMatch(
    new RegExp(`^${cacheDir}/s3/thumbnails/[0-9a-f]{2}/[0-9a-f]{32}\\.jpg$`),
  );
  const again = JSON.parse(
    (await runCli(['--cache-dir', cacheDir, 'scan', 's3://cli-photos/library', '--json'], env)).stdout,
  );
  expect(again).toMatchObject({ source: 'root', unchanged: 2, catalogMd5: result.catalogMd5 });
});
