import { open, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli } from './run-cli.js';

// A laptop folder and its backup on S3: the backup lacks one photo and holds one the laptop has
// not; the laptop holds one photo twice.
let server: S3TestServer;
let env: Record<string, string>;
let cacheDir: string;
let laptop: string;
const bucketRoot = 's3://compare-photos/backup';
const cleanup: string[] = [];
const photo = (seed: number) => syntheticJpeg(seed, 64 + seed, 48);

beforeAll(async () => {
  server = await startS3Server(['compare-photos']);
  env = server.cliEnv();
  cacheDir = await tempDir('compare-cache');
  laptop = await tempDir('compare-laptop');
  cleanup.push(cacheDir, laptop);
  await writeTree(laptop, {
    '2024/a.jpg': await photo(1),
    '2024/b.jpg': await photo(2),
    '2024/c.jpg': await photo(3),
    'copies/a-again.jpg': await photo(1),
  });
  const client = server.client();
  for (const [key, seed] of [
    ['old/a.jpg', 1],
    ['old/b.jpg', 2],
    ['old/d.jpg', 4],
  ] as const)
    await client.send(
      new PutObjectCommand({ Bucket: 'compare-photos', Key: `backup/${key}`, Body: await photo(seed) }),
    );
  client.destroy();
  for (const root of [laptop, bucketRoot]) {
    const scan = await runCli(['--cache-dir', cacheDir, 'scan', root], env);
    expect(scan.code, scan.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args], env);
const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('compare: every photo of the laptop in the S3 backup, by photo-md5; exit 3 as one is missing', async () => {
  const result = await cli('compare', laptop, bucketRoot, '--json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(3);
  const lines = ndjson(result.stdout);
  const photos = lines.filter((l) => l.type === 'photo');
  expect(
    photos.map((p) => [p.path, (p.copies as { root: string; path: string }[]).map((c) => c.path)]),
  ).toEqual([
    ['2024/a.jpg', ['old/a.jpg']],
    ['2024/b.jpg', ['old/b.jpg']],
    ['2024/c.jpg', []],
    ['copies/a-again.jpg', ['old/a.jpg']],
  ]);
  expect((photos[0]!.copies as { root: string }[])[0]!.root).toBe(bucketRoot);
  const summary = lines.at(-1)!;
  const sizeOf = async (p: string) => (await stat(path.join(laptop, p))).size;
  expect(summary).toMatchObject({
    type: 'summary',
    source: `file://${laptop}`,
    destinations: [bucketRoot],
    present: { count: 3, bytes: (await sizeOf('2024/a.jpg')) * 2 + (await sizeOf('2024/b.jpg')) },
    missing: { count: 1, bytes: await sizeOf('2024/c.jpg') },
    unchecked: { count: 0 },
    stale: [],
  });

  const missing = await cli('compare', laptop, bucketRoot, '--missing');
  expect(missing.code).toBe(3);
  expect(missing.stdout).toMatch(/^missing {2}2024\/c\.jpg {2}\(/m);
  expect(missing.stdout).not.toMatch(/a\.jpg|b\.jpg/);
  expect(missing.stdout).toMatch(/3 photos present .*, 1 photo missing/);

  // The other way round: the backup's d.jpg is not on the laptop.
  const reverse = await cli('compare', bucketRoot, laptop);
  expect(reverse.code).toBe(3);
  expect(reverse.stdout).toMatch(/2 photos present .*, 1 photo missing/);
});

test('duplicates: identical photos within and across roots, with the bytes a cleanup frees', async () => {
  const result = await cli('duplicates', laptop, bucketRoot, '--json');
  expect(result.code).toBe(0);
  const lines = ndjson(result.stdout);
  const groups = lines.filter((l) => l.type === 'identical') as {
    size: number;
    copies: { root: string; path: string }[];
    roots: string[];
    reclaimableBytes: number;
  }[];
  const a = (await stat(path.join(laptop, '2024/a.jpg'))).size;
  const b = (await stat(path.join(laptop, '2024/b.jpg'))).size;
  expect(groups.map((g) => [g.copies.map((c) => c.path), g.roots.length, g.reclaimableBytes])).toEqual([
    [['2024/a.jpg', 'copies/a-again.jpg', 'old/a.jpg'], 2, 2 * a],
    [['2024/b.jpg', 'old/b.jpg'], 2, b],
  ]);
  expect(lines.at(-1)).toMatchObject({
    type: 'summary',
    identical: { groups: 2, reclaimableBytes: 2 * a + b },
  });

  const within = ndjson((await cli('duplicates', laptop, bucketRoot, '--within', '--json')).stdout);
  expect(
    within
      .filter((l) => l.type === 'identical')
      .map((g) => (g.copies as { path: string }[]).map((c) => c.path)),
  ).toEqual([['2024/a.jpg', 'copies/a-again.jpg']]);
  const big = ndjson(
    (await cli('duplicates', laptop, bucketRoot, '--min-size', String(Math.max(a, b) + 1), '--json')).stdout,
  );
  expect(big.filter((l) => l.type === 'identical')).toEqual([]);

  const text = await cli('duplicates', laptop, bucketRoot);
  expect(text.stdout).toMatch(/^identical: 2 groups, /m);
  expect(text.stdout).toContain(`  ${bucketRoot}  old/a.jpg`);
});

test('a stale catalog is named, and --scan brings it up to date first', async () => {
  const root = await tempDir('compare-stale');
  cleanup.push(root);
  await writeTree(root, { 'x.jpg': await photo(1) });
  expect((await cli('scan', root)).code).toBe(0);
  await writeFile(path.join(root, 'y.jpg'), await photo(3));
  const stale = await cli('compare', root, bucketRoot, '--json');
  expect(stale.stderr).toMatch(/the catalog of file:\/\/.*compare-stale.* is stale \(1 added/);
  expect(ndjson(stale.stdout).at(-1)).toMatchObject({
    missing: { count: 0 },
    stale: [{ root: `file://${root}`, added: 1 }],
  });
  expect(stale.code).toBe(0);
  const scanned = await cli('compare', root, bucketRoot, '--scan', '--json');
  expect(scanned.code).toBe(3);
  expect(ndjson(scanned.stdout).at(-1)).toMatchObject({ missing: { count: 1 }, stale: [] });
});

test('verify --deep reports a photo whose bytes changed under the same size and mtime, and changes no catalog', async () => {
  const root = await tempDir('compare-rot');
  cleanup.push(root);
  await writeTree(root, {
    'keep.jpg': await photo(5),
    'rot.jpg': await photo(6),
    'edit.jpg': await photo(7),
  });
  expect((await cli('scan', root)).code).toBe(0);
  const clean = await cli('verify', root, '--deep', '--json');
  expect(clean.code).toBe(0);
  expect(JSON.parse(clean.stdout).photos).toMatchObject({
    checked: 3,
    ok: 3,
    corrupt: [],
    changed: [],
    failed: [],
  });

  // One byte flipped in the middle of the file, and its mtime put back.
  const file = path.join(root, 'rot.jpg');
  const before = await stat(file);
  const handle = await open(file, 'r+');
  const middle = Math.floor(before.size / 2);
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, middle);
  byte[0] = byte[0]! ^ 0xff;
  await handle.write(byte, 0, 1, middle);
  await handle.close();
  // In seconds with their fraction: a Date rounds to the millisecond, which can move the mtime by one.
  await utimes(file, before.atimeMs / 1000, before.mtimeMs / 1000);
  // An honest edit, by contrast, moves the mtime.
  await writeFile(path.join(root, 'edit.jpg'), await photo(8));
  await utimes(path.join(root, 'edit.jpg'), before.atimeMs / 1000, (before.mtimeMs + 5000) / 1000);
  const snapshotsBefore = (await cli('snapshots', root, '--json')).stdout;

  const rot = await cli('verify', root, '--deep', '--json');
  expect(rot.code, rot.stdout + rot.stderr).toBe(1);
  const report = JSON.parse(rot.stdout);
  expect(report.ok).toBe(false);
  expect(report.photos.corrupt).toEqual([
    expect.objectContaining({ path: 'rot.jpg', size: before.size, mtimeMs: Math.floor(before.mtimeMs) }),
  ]);
  expect(report.photos.corrupt[0].actualMd5).not.toBe(report.photos.corrupt[0].expectedMd5);
  expect(report.photos.changed).toEqual(['edit.jpg']);
  expect(report.photos.ok).toBe(1);
  const text = await cli('verify', root, '--deep');
  expect(text.stdout).toMatch(/possibly corrupt: rot\.jpg: its bytes changed but its size and mtime did not/);
  // Nothing was written: the same snapshot, and the catalog still holds the old MD5.
  expect((await cli('snapshots', root, '--json')).stdout).toBe(snapshotsBefore);
  const listed = ndjson((await cli('list', root, '--json')).stdout).find((e) => e.path === 'rot.jpg')!;
  expect(listed.photoMd5).toBe(report.photos.corrupt[0].expectedMd5);
});

test('verify --deep through S3: a clean backup reports nothing', async () => {
  const result = await cli('verify', bucketRoot, '--deep', '--json');
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout).photos).toMatchObject({
    checked: 3,
    ok: 3,
    corrupt: [],
    changed: [],
    missing: [],
  });
});
