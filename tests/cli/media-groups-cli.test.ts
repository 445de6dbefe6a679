import { rm } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { tempDir, writeTree } from '../support/fs.js';
import { MEDIA_GROUPS, mediaChanges, mediaTree, PIXEL } from '../support/media.js';
import { runCli } from './run-cli.js';

// Issue 25, "Pairs and groups": a Live Photo, a RAW+JPEG pair, a Pixel pair and an edited copy are each
// one item in `list`, every file stays an entry whose change a rescan finds, on a folder and on S3.

const cleanup: string[] = [];
let server: S3TestServer;
let files: Record<string, Buffer>;
beforeAll(async () => {
  server = await startS3Server(['media-groups']);
  files = await mediaTree();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** The path and what follows it on each plain `list` line (the columns before it are dates and sizes). */
const shown = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => line.slice(line.search(/ (edit|live|pixel|raw|single)/) + 1));

const ONE_LINE_PER_ITEM = [
  'edit/IMG_1234.HEIC  (+ edited IMG_E1234.JPG)',
  'live/IMG_0001.HEIC  (+ motion IMG_0001.MOV)',
  `${PIXEL}.RAW-01.COVER.jpg  (+ raw PXL_20231010_101010123.RAW-02.ORIGINAL.dng)`,
  'raw/DSC_0002.JPG  (+ raw DSC_0002.CR2)',
  'single.jpg',
];

async function checkRoot(root: string, env: Record<string, string>, change: () => Promise<void>) {
  const cacheDir = await tempDir('media-cli-cache');
  cleanup.push(cacheDir);
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args], env);
  const scan = await cli('scan', root, '--json');
  // No MaxListenersExceededWarning either: each request listens to a signal of its own, not the
  // scan's (see s3-abort-listeners.test.ts).
  expect(scan.stderr).not.toMatch(/error|fail|cannot|MaxListeners/i);
  expect(scan.code).toBe(0);
  expect(JSON.parse(scan.stdout)).toMatchObject({ entries: 9, added: 9, failed: [] });

  const list = await cli('list', root);
  expect(list.code).toBe(0);
  expect(shown(list.stdout)).toEqual(ONE_LINE_PER_ITEM);

  // --all: every file, each member saying whose it is.
  const all = await cli('list', root, '--all');
  expect(shown(all.stdout)).toEqual([
    'edit/IMG_1234.HEIC',
    'edit/IMG_E1234.JPG  (edited of IMG_1234.HEIC)',
    'live/IMG_0001.HEIC',
    'live/IMG_0001.MOV  (motion of IMG_0001.HEIC)',
    `${PIXEL}.RAW-01.COVER.jpg`,
    `${PIXEL}.RAW-02.ORIGINAL.dng  (raw of PXL_20231010_101010123.RAW-01.COVER.jpg)`,
    'raw/DSC_0002.CR2  (raw of DSC_0002.JPG)',
    'raw/DSC_0002.JPG',
    'single.jpg',
  ]);

  // --json: one object per item, the primary's naming its members; with --all, group and role on each.
  const json = (await cli('list', root, '--json')).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(json.map((o) => [o.path, o.role ?? null, o.members ?? []])).toEqual([
    ['edit/IMG_1234.HEIC', 'primary', [{ path: 'edit/IMG_E1234.JPG', role: 'edited' }]],
    ['live/IMG_0001.HEIC', 'primary', [{ path: 'live/IMG_0001.MOV', role: 'motion' }]],
    [`${PIXEL}.RAW-01.COVER.jpg`, 'primary', [{ path: `${PIXEL}.RAW-02.ORIGINAL.dng`, role: 'raw' }]],
    ['raw/DSC_0002.JPG', 'primary', [{ path: 'raw/DSC_0002.CR2', role: 'raw' }]],
    ['single.jpg', null, []],
  ]);
  const allJson = (await cli('list', root, '--all', '--json')).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(
    Object.fromEntries(allJson.map((o) => [o.path, o.role ? `${o.role} of ${o.group}` : o.kind])),
  ).toEqual(MEDIA_GROUPS);
  expect(allJson.find((o) => o.path === 'single.jpg')).toMatchObject({
    rating: 3,
    keywords: ['Beach', 'sea'],
  });

  // --rating and --keyword read the XMP values the snapshot holds; a group passes when any file does.
  expect(shown((await cli('list', root, '--rating', '4+')).stdout)).toEqual([ONE_LINE_PER_ITEM[0]]);
  expect(shown((await cli('list', root, '--rating', '4', '--all')).stdout)).toEqual([
    'edit/IMG_E1234.JPG  (edited of IMG_1234.HEIC)',
  ]);
  expect(shown((await cli('list', root, '--rating', '3')).stdout)).toEqual([
    ONE_LINE_PER_ITEM[0],
    'single.jpg',
  ]);
  expect(shown((await cli('list', root, '--keyword', 'beach')).stdout)).toEqual(['single.jpg']);
  const none = await cli('list', root, '--keyword', 'mountains');
  expect([none.code, none.stdout, none.stderr.trim()]).toEqual([0, '', 'nothing to list']);
  const bad = await cli('list', root, '--rating', 'lots');
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/expected a number of stars from -1 to 5/);

  // A movie listed by --kind without its photo keeps a line of its own.
  expect(shown((await cli('list', root, '--kind', 'video')).stdout)).toEqual([
    'live/IMG_0001.MOV  (motion of IMG_0001.HEIC)',
  ]);

  // Each member's change is found by the next scan, and the items stay as they were.
  await change();
  const rescan = JSON.parse((await cli('scan', root, '--json')).stdout);
  expect(rescan).toMatchObject({ changed: 5, added: 0, removed: 0, failed: [] });
  expect(rescan.paths.changed).toEqual(Object.keys(await mediaChanges()).sort());
  expect(shown((await cli('list', root)).stdout)).toEqual(ONE_LINE_PER_ITEM);
}

// A dozen CLI runs each, a few seconds apiece on a loaded machine.
describe('list shows one line per group', () => {
  test('on a local folder', async () => {
    const root = await tempDir('media-cli');
    cleanup.push(root);
    await writeTree(root, files);
    await checkRoot(root, {}, async () => writeTree(root, await mediaChanges()));
  }, 240_000);

  test('on S3 (s3rver)', async () => {
    const client = server.client();
    const put = async (tree: Record<string, Buffer>) => {
      for (const [key, body] of Object.entries(tree))
        await client.send(
          new PutObjectCommand({ Bucket: 'media-groups', Key: `library/${key}`, Body: body }),
        );
    };
    try {
      await put(files);
      await checkRoot('s3://media-groups/library', server.cliEnv(), async () => put(await mediaChanges()));
    } finally {
      client.destroy();
    }
  }, 240_000);
});
