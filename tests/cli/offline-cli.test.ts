import { readFile, rm } from 'node:fs/promises';
import { md5Hex } from '@photolala/core/internals';
import { afterAll, expect, test } from 'vitest';
import { startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { startWebdavServer } from '../../packages/backend-webdav/test/servers.js';
import { launchChromium, visibleThumbnails } from '../gallery/browser.js';
import { servedUrl } from '../gallery/served-url.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli, startCli } from './run-cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/**
 * Scans a root while its server runs, stops the server, then browses: list, thumbnail and metadata
 * come from the cache mirror with a warning naming the root and when its copy was saved, and a scan
 * fails saying the root cannot be reached.
 */
async function browseOffline(
  root: string,
  cacheDir: string,
  env: Record<string, string>,
  stop: () => Promise<void>,
) {
  const scan = await runCli(['--cache-dir', cacheDir, 'scan', root, '--json'], env);
  expect(scan.code).toBe(0);
  const online = await runCli(['--cache-dir', cacheDir, 'list', root, '--json'], env);
  const thumbOnline = await runCli(['--cache-dir', cacheDir, 'thumbnail', root, 'a.jpg'], env);
  const thumbBytes = await readFile(thumbOnline.stdout.trim());
  await stop();

  const list = await runCli(['--cache-dir', cacheDir, 'list', root, '--json'], env);
  expect(list.code).toBe(0);
  expect(list.stdout).toBe(online.stdout);
  expect(list.stderr).toMatch(
    /cannot be reached; showing its cached catalog saved \d{4}-\d\d-\d\d \d\d:\d\d/,
  );
  const thumb = await runCli(['--cache-dir', cacheDir, 'thumbnail', root, 'a.jpg'], env);
  expect(thumb.code).toBe(0);
  expect(md5Hex(await readFile(thumb.stdout.trim()))).toBe(md5Hex(thumbBytes));
  const metadata = await runCli(['--cache-dir', cacheDir, 'metadata', root, 'sub/b.jpg'], env);
  expect(metadata.code).toBe(0);
  const photoMd5 = (
    JSON.parse(online.stdout.split('\n').find((l) => l.includes('sub/b.jpg'))!) as { photoMd5: string }
  ).photoMd5;
  expect(metadata.stdout).toContain(photoMd5);

  const rescan = await runCli(['--cache-dir', cacheDir, 'scan', root], env);
  expect(rescan.code).not.toBe(0);
  expect(rescan.stderr).not.toContain('showing its cached catalog');
  return rescan;
}

test('an S3 root whose server is down is browsed from the cache mirror', async () => {
  const server = await startS3Server(['offline-photos']);
  const share = await tempDir('offline-s3-src');
  const cacheDir = await tempDir('offline-s3-cache');
  cleanup.push(share, cacheDir);
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const client = server.client();
  for (const [key, seed] of [
    ['a.jpg', 1],
    ['sub/b.jpg', 2],
  ] as const)
    await client.send(
      new PutObjectCommand({ Bucket: 'offline-photos', Key: key, Body: await syntheticJpeg(seed) }),
    );
  client.destroy();
  // Few retries, so the refused connections fail fast.
  const env = { ...server.cliEnv(), AWS_MAX_ATTEMPTS: '2' };
  await browseOffline('s3://offline-photos', cacheDir, env, () => server.stop());
}, 120_000);

test('a WebDAV root whose server is down is browsed from the cache mirror', async () => {
  const share = await tempDir('offline-dav');
  const cacheDir = await tempDir('offline-dav-cache');
  cleanup.push(share, cacheDir);
  await writeTree(share, { 'a.jpg': await syntheticJpeg(1), 'sub/b.jpg': await syntheticJpeg(2) });
  const server = await startWebdavServer(share, { username: 'bob', password: 'pw' });
  const root = server.url.replace('webdav://', 'webdav://bob@');
  const env = { PHOTOLALA_WEBDAV_PASSWORD: 'pw' };
  const rescan = await browseOffline(root, cacheDir, env, () => server.stop());
  expect(rescan.stderr).not.toContain('pw@');

  // The gallery shows the cached catalog, with its cached thumbnails, and says that it does.
  const serve = startCli(['--cache-dir', cacheDir, 'serve', root, '--port', '0'], env);
  const browser = await launchChromium();
  try {
    const url = await servedUrl(serve);
    const { roots } = (await (await fetch(new URL('/api/roots', url))).json()) as {
      roots: { photos: number; offline: { savedAt?: string } | null }[];
    };
    expect(roots).toMatchObject([{ photos: 2, offline: { savedAt: expect.any(String) } }]);
    const page = await browser.newPage();
    await page.goto(url);
    expect((await visibleThumbnails(page)).count).toBe(2);
    const banner = page.locator('#offline');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.textContent()).toContain(
      `${server.url} cannot be reached: showing its cached catalog saved`,
    );
  } finally {
    await browser.close();
    serve.child.kill('SIGINT');
    await serve.done;
  }
}, 180_000);

test('an unreachable root with nothing cached says both, and does not claim to show a catalog', async () => {
  const cacheDir = await tempDir('offline-none-cache');
  cleanup.push(cacheDir);
  const list = await runCli(['--cache-dir', cacheDir, 'list', 'webdav://127.0.0.1:9/photos']);
  expect(list.code).toBe(1);
  expect(list.stderr).toContain('webdav://127.0.0.1:9/photos cannot be reached: ');
  expect(list.stderr).toContain('ECONNREFUSED');
  expect(list.stderr).toContain('; the cache holds no catalog of it');
  expect(list.stderr).not.toContain('showing its cached catalog');
});
