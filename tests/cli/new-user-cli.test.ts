import { readFile, rm, truncate } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, afterEach, expect, test } from 'vitest';
import { servedUrl } from '../gallery/served-url.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli, startCli } from './run-cli.js';

// What a new user's trial of the packed CLI found: each test fails on the build before its fix.

const cleanup: string[] = [];
const running: ReturnType<typeof startCli>[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** A scanned root of two photos, one in `trips/`, with its own cache folder. */
async function scannedRoot(name: string) {
  const root = await tempDir(`new-user-${name}-root`);
  const cacheDir = await tempDir(`new-user-${name}-cache`);
  cleanup.push(root, cacheDir);
  await writeTree(root, { 'a.jpg': await syntheticJpeg(61), 'trips/b.jpg': await syntheticJpeg(62) });
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args]);
  const scan = await cli('scan', root);
  expect(scan.code, scan.stderr).toBe(0);
  return { root, cacheDir, cli };
}

test('a root of a scheme no backend serves is a usage error naming the supported ones, not a package to install', async () => {
  const cacheDir = await tempDir('new-user-scheme-cache');
  cleanup.push(cacheDir);
  const result = await runCli(['--cache-dir', cacheDir, 'scan', 'http://example.com/x']);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe(
    'error: no backend for http:// roots: the supported roots are file://, apple-photos://, s3://, smb://, webdav://, webdavs:// and plain paths; a third-party backend is named with PHOTOLALA_BACKENDS=http=MODULE (see https://github.com/photolala/photolala-catalog/blob/main/packages/core/README.md#writing-a-backend)\n',
  );
  expect(result.stderr).not.toContain('photolala-backend-http');
});

test('an s3:// root with no region anywhere says to set AWS_REGION, without sending a request', async () => {
  const home = await tempDir('new-user-no-region');
  cleanup.push(home);
  const result = await runCli(['--cache-dir', home, 'scan', 's3://my-bucket/photos'], {
    HOME: home,
    AWS_CONFIG_FILE: `${home}/no-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/no-credentials`,
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLENOTREAL00',
    AWS_SECRET_ACCESS_KEY: 'secret-that-must-not-show',
  });
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.stderr).toMatch(/Region is missing.*set AWS_REGION/);
  expect(result.stderr + result.stdout).not.toContain('secret-that-must-not-show');
});

test('status prints its summary on stdout, and --json only its object', async () => {
  const { root, cli } = await scannedRoot('status');
  const status = await cli('status', root);
  expect([status.code, status.stdout, status.stderr]).toEqual([
    0,
    '0 added, 0 removed, 0 changed, 0 moved, 2 unchanged\n',
    '',
  ]);
  const json = await cli('status', root, '--json');
  expect(JSON.parse(json.stdout)).toMatchObject({ added: [], unchanged: 2 });
  expect(json.stdout.trim().split('\n')).toHaveLength(1);
});

test('list of a folder with no entry is an error; a folder whose entries the filters leave out is not', async () => {
  const { root, cli } = await scannedRoot('list');
  const typo = await cli('list', root, 'trip');
  expect([typo.code, typo.stdout, typo.stderr]).toEqual([
    1,
    '',
    'error: no entry of the catalog lies under trip (is the path right? paths are relative to the root)\n',
  ]);
  const filtered = await cli('list', root, 'trips', '--starred');
  expect([filtered.code, filtered.stdout, filtered.stderr]).toEqual([0, '', 'nothing to list under trips\n']);
  expect((await cli('list', root, 'trips')).stdout).toContain('trips/b.jpg');
});

test('serve stopped by Ctrl-C saves its catalog and exits 130', async () => {
  const { root, cacheDir, cli } = await scannedRoot('serve');
  const serve = startCli(['--cache-dir', cacheDir, 'serve', root, '--port', '0']);
  running.push(serve);
  const url = await servedUrl(serve);
  expect((await fetch(url)).status).toBe(200);
  serve.child.kill('SIGINT');
  const done = await serve.done;
  expect(done.stderr).toContain('stopping: saving the catalogs');
  expect(done.code).toBe(130);
  expect((await cli('list', root)).code).toBe(0);
});

test('serve on a port in use says so and how to pick another', async () => {
  const { root, cacheDir } = await scannedRoot('busy');
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    const port = (busy.address() as net.AddressInfo).port;
    const serve = await runCli(['--cache-dir', cacheDir, 'serve', root, '--port', String(port)]);
    expect([serve.code, serve.stderr]).toEqual([
      1,
      `error: port ${port} on 127.0.0.1 is in use: give another with --port, or --port 0 for any free one\n`,
    ]);
  } finally {
    await new Promise((resolve) => busy.close(resolve));
  }
});

test('a truncated cached thumbnail fails verify, which --repair makes whole, and thumbnail makes again', async () => {
  const { root, cli } = await scannedRoot('thumb');
  const thumbnailOf = async (photo: string) => (await cli('thumbnail', root, photo)).stdout.trim();
  const file = await thumbnailOf('trips/b.jpg');
  const whole = await readFile(file);
  const cut = async () => {
    await truncate(file, 100);
    expect((await readFile(file)).length).toBe(100);
  };

  await cut();
  const verify = await cli('verify', root);
  expect(verify.code).toBe(1);
  expect(verify.stdout).toContain('  missing or damaged thumbnail: trips/b.jpg\n');
  expect(verify.stdout.trim().split('\n').at(-1)).toBe('problems found');
  const repair = await cli('verify', root, '--repair');
  expect(repair.stdout).toContain('repaired 1, could not repair 0');
  expect(repair.code).toBe(0);
  expect(await readFile(file)).toEqual(whole);
  expect((await cli('verify', root)).code).toBe(0);

  // `thumbnail` makes a damaged one again instead of handing it out.
  await cut();
  expect(await thumbnailOf('trips/b.jpg')).toBe(file);
  expect(await readFile(file)).toEqual(whole);
});
