import { rm } from 'node:fs/promises';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { tempDir, writeTree } from '../support/fs.js';
import { fixture, xmpKeywords, xmpPacket } from '../support/media.js';
import { runCli } from './run-cli.js';

// Issue 25, "Sidecars", through the built CLI: sidecars in both naming styles are read, are not
// listed, and an edit or removal of one is found by the next scan, on a folder and on S3.

const cleanup: string[] = [];
let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server(['sidecars']);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const sidecar = (rating: number, ...keywords: string[]) =>
  Buffer.from(xmpPacket(`xmp:Rating="${rating}"`, xmpKeywords(...keywords)));

interface Store {
  put(files: Record<string, Buffer>): Promise<void>;
  remove(path: string): Promise<void>;
}

async function checkRoot(root: string, env: Record<string, string>, store: Store) {
  await store.put({
    'IMG_1.JPG': await fixture('landscape_1.jpg'),
    'IMG_1.xmp': sidecar(4, 'adobe'),
    'IMG_2.JPG': await fixture('landscape_2.jpg'),
    'IMG_2.JPG.xmp': sidecar(2, 'darktable'),
  });
  const cacheDir = await tempDir('sidecars-cli-cache');
  cleanup.push(cacheDir);
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args], env);
  const listed = async () =>
    (await cli('list', root, '--json')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((o) => [o.path, o.rating ?? null, o.keywords ?? null]);
  const first = JSON.parse((await cli('scan', root, '--json')).stdout);
  expect(first).toMatchObject({ entries: 2, added: 2, failed: [] });
  expect(await listed()).toEqual([
    ['IMG_1.JPG', 4, ['adobe']],
    ['IMG_2.JPG', 2, ['darktable']],
  ]);
  await store.put({ 'IMG_1.xmp': sidecar(5, 'adobe', 'edited') });
  await store.remove('IMG_2.JPG.xmp');
  const second = JSON.parse((await cli('scan', root, '--json')).stdout);
  expect(second).toMatchObject({ changed: 2, digested: 0, failed: [] });
  expect(second.paths.changed).toEqual(['IMG_1.JPG', 'IMG_2.JPG']);
  expect(await listed()).toEqual([
    ['IMG_1.JPG', 5, ['adobe', 'edited']],
    ['IMG_2.JPG', null, null],
  ]);
  expect((await cli('list', root, '--rating', '5')).stdout).toMatch(/ IMG_1\.JPG\n$/);
  // metadata --print gives the entry's document: the sidecar's values, and where they came from.
  const printed = JSON.parse((await cli('metadata', root, 'IMG_1.JPG', '--print')).stdout);
  expect(printed).toMatchObject({
    rating: 5,
    keywords: ['adobe', 'edited'],
    sidecar: 'IMG_1.xmp',
    sources: { rating: 'sidecar', keywords: 'sidecar' },
  });
}

// A handful of CLI runs each, a few seconds apiece on a loaded machine.
describe('sidecars through the CLI', () => {
  test('on a local folder', async () => {
    const root = await tempDir('sidecars-cli');
    cleanup.push(root);
    await checkRoot(
      root,
      {},
      {
        put: (files) => writeTree(root, files),
        remove: (path) => rm(`${root}/${path}`),
      },
    );
  }, 120_000);

  test('on S3 (s3rver)', async () => {
    const client = server.client();
    try {
      await checkRoot('s3://sidecars/photos', server.cliEnv(), {
        put: async (files) => {
          for (const [key, body] of Object.entries(files))
            await client.send(new PutObjectCommand({ Bucket: 'sidecars', Key: `photos/${key}`, Body: body }));
        },
        remove: async (key) => {
          await client.send(new DeleteObjectCommand({ Bucket: 'sidecars', Key: `photos/${key}` }));
        },
      });
    } finally {
      client.destroy();
    }
  }, 120_000);
});
