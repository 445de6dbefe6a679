import { rm } from 'node:fs/promises';
import { createLocalSource } from '@photolala/backend-local';
import { afterAll, expect, test } from 'vitest';
import { replaceSnapshot } from '../support/craft-snapshot.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli } from './run-cli.js';

// Issue 20, item 8, as the user met it: a crafted snapshot in a shared root, named by its own MD5 so
// that it verifies, whose rows point outside the root.

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const HOSTILE = ['../../etc/shadow', '/etc/passwd', 'nul\0.jpg'];

test('a snapshot with rows outside the root is refused: list prints none of them, star refuses them', async () => {
  const root = await tempDir('crafted-root');
  const cacheDir = await tempDir('crafted-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, { 'a.jpg': await syntheticJpeg(1), 'b.jpg': await syntheticJpeg(2) });
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args]);
  expect((await cli('scan', root)).code).toBe(0);
  const crafted = await replaceSnapshot(await createLocalSource({ root }), cacheDir, (db) => {
    const copy = db.prepare(
      `INSERT INTO entries (path, fast_photo_key, size, mtime_ms, photo_md5, kind, status)
       SELECT ?, fast_photo_key, size, mtime_ms, photo_md5, kind, status FROM entries WHERE path = 'a.jpg'`,
    );
    for (const path of HOSTILE) copy.run(path);
    db.exec(`UPDATE entries SET photo_md5 = '../../../tmp/pwned' WHERE path = 'b.jpg'`);
    db.exec('DELETE FROM listing');
  });

  const list = await cli('-v', 'list', root, '--json');
  expect(list.stdout).not.toMatch(/etc\/shadow|etc\/passwd|nul|pwned/);
  expect(list.code).not.toBe(0);
  expect(list.stderr).toContain('no readable catalog');
  // -v says why: the snapshot, and a row, refused.
  expect(list.stderr).toMatch(
    new RegExp(`skipped root ${crafted}: .*not a trustworthy catalog snapshot: entries row`),
  );

  const star = await cli('star', root, '../../etc/shadow');
  expect(star.code).not.toBe(0);
  expect(star.stdout).not.toContain('starred');

  // A scan rebuilds the catalog from the photos themselves; the crafted rows never come back.
  expect((await cli('scan', root)).code).toBe(0);
  const rebuilt = await cli('list', root, '--json');
  expect(rebuilt.code).toBe(0);
  const lines = rebuilt.stdout.trim().split('\n');
  const paths = lines.map((line) => (JSON.parse(line) as { path: string }).path);
  expect(paths).toEqual(['a.jpg', 'b.jpg']);
  expect(rebuilt.stdout).not.toContain('pwned');
  const again = await cli('star', root, '../../etc/shadow');
  expect(again.code).not.toBe(0);
  expect((await cli('list', root, '--starred', '--json')).stdout.trim()).toBe('');
});
