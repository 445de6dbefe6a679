import { chmod, chown, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { describeDate } from '../../packages/gallery/src/ui/metadata.js';
import { servedUrl } from '../gallery/served-url.js';
import { FIXTURES, tempDir } from '../support/fs.js';
import { xmpPacket } from '../support/media.js';
import { assertNobodyCanRead, NOBODY } from '../support/nobody.js';
import { CLI, runCli, startCli } from './run-cli.js';

// A new user's trial: one listing showed capture dates with `.000` and without, and `serve` on a
// read-only root repeated its warning at every save.

beforeAll(() => assertNobodyCanRead(CLI));

const cleanup: string[] = [];
const running: ReturnType<typeof startCli>[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/**
 * Canon_40D.jpg has `SubSecTimeOriginal` 00, which the catalog kept as `.000` before dates were stored
 * in one form (see core's taken-at.ts); DSCN0010.jpg has no sub-seconds.
 */
async function photoRoot(name: string) {
  const root = await tempDir(`taken-at-${name}`);
  const cacheDir = await tempDir(`taken-at-${name}-cache`);
  cleanup.push(root, cacheDir);
  await mkdir(path.join(root, 'b'));
  await copyFile(path.join(FIXTURES, 'Canon_40D.jpg'), path.join(root, 'a.jpg'));
  await copyFile(path.join(FIXTURES, 'DSCN0010.jpg'), path.join(root, 'b', 'c.jpg'));
  await writeFile(path.join(root, 'a.xmp'), xmpPacket('xmp:Rating="3"', ''));
  return { root, cacheDir };
}

test('capture dates are printed in one form: milliseconds only when not zero, UTC as +00:00', async () => {
  const { root, cacheDir } = await photoRoot('list');
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args]);
  expect((await cli('scan', root)).code).toBe(0);

  const text = await cli('list', root);
  expect(text.code, text.stderr).toBe(0);
  const dates = text.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[1]);
  expect(dates).toEqual(['2008-05-30T15:56:01', '2008-10-22T16:28:39']);
  expect(text.stdout).not.toContain('.000');

  // --json as SQLite makes the lines.
  const json = await cli('list', root, '--json');
  const taken = json.stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { takenAt: string }).takenAt);
  expect(taken).toEqual(['2008-05-30T15:56:01', '2008-10-22T16:28:39']);
  // With --rating each line is made from its entry (a.jpg's sidecar rates it 3).
  const rated = await cli('list', root, '--json', '--rating', '3');
  expect(rated.code, rated.stderr).toBe(0);
  expect(JSON.parse(rated.stdout)).toMatchObject({
    path: 'a.jpg',
    rating: 3,
    takenAt: '2008-05-30T15:56:01',
  });
  const printed = await cli('metadata', root, 'a.jpg', '--print');
  expect((JSON.parse(printed.stdout) as { takenAt: string }).takenAt).toBe('2008-05-30T15:56:01');
  // The file `metadata` names says the same.
  const file = (await cli('metadata', root, 'a.jpg')).stdout.trim();
  expect((JSON.parse(await readFile(file, 'utf8')) as { takenAt: string }).takenAt).toBe(
    '2008-05-30T15:56:01',
  );

  // And so does the gallery's metadata panel, from the document the server answers with.
  const serve = startCli(['--cache-dir', cacheDir, 'serve', root, '--port', '0']);
  running.push(serve);
  const url = new URL(await servedUrl(serve));
  const rows = ((await (await fetch(new URL('/api/photos?limit=10', url))).json()) as { rows: unknown[][] })
    .rows;
  const shown: string[] = [];
  for (const row of rows) {
    const detail = (await (await fetch(new URL(`/api/roots/0/photos/${row[1]}`, url))).json()) as {
      metadata: { takenAt: string };
    };
    shown.push(describeDate(detail.metadata.takenAt));
  }
  expect(shown.sort()).toEqual([
    "2008-05-30 15:56:01 (camera's clock, no time zone recorded)",
    "2008-10-22 16:28:39 (camera's clock, no time zone recorded)",
  ]);
  expect(rows.length).toBe(2);
});

test('serve on a read-only root warns once, not at each save of a star', async () => {
  const { root, cacheDir } = await photoRoot('serve');
  await chmod(root, 0o755);
  await chmod(path.join(root, 'b'), 0o755);
  await chown(cacheDir, NOBODY.uid, NOBODY.gid);
  const scan = await startCli(['--cache-dir', cacheDir, 'scan', root], {}, NOBODY).done;
  expect(scan.code, scan.stderr).toBe(0);
  expect(scan.stderr.match(/is read-only/g)).toHaveLength(1);

  const serve = startCli(['--cache-dir', cacheDir, 'serve', root, '--port', '0'], {}, NOBODY);
  running.push(serve);
  const url = new URL(await servedUrl(serve));
  const token = url.searchParams.get('token')!;
  const rows = ((await (await fetch(new URL('/api/photos?limit=10', url))).json()) as { rows: unknown[][] })
    .rows;
  expect(rows).toHaveLength(2);
  for (const row of rows) {
    const star = await fetch(new URL(`/api/roots/0/photos/${row[1]}/star`, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-photolala-token': token },
      body: JSON.stringify({ starred: true }),
    });
    expect(star.status).toBe(200);
    // The gallery saves a second after the last change: each star is saved on its own.
    await new Promise((r) => setTimeout(r, 2500));
  }
  serve.child.kill('SIGINT');
  const done = await serve.done;
  expect(done.code).toBe(130);
  expect(done.stderr.match(/is read-only/g)).toHaveLength(1);
  expect(done.stderr).toContain(`warning: the root ${root} is read-only`);
  // Both stars were saved all the same, in the mirror.
  const list = await startCli(['--cache-dir', cacheDir, 'list', root, '--starred'], {}, NOBODY).done;
  expect(list.stdout.trim().split('\n')).toHaveLength(2);
});
