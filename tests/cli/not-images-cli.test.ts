import { rm } from 'node:fs/promises';
import { afterAll, expect, test } from 'vitest';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli } from './run-cli.js';

// issue 20, item 9: a file whose name says image but whose bytes are none (a zero-byte IMG_1234.JPG,
// the trace of a failed copy; text named x.png) was silently cataloged as `other`. It is a failure
// with its reason, reported by every scan, and the scan exits 3 (some files failed); a .txt is
// still a plain `other`.

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('scan --json lists a zero-byte .JPG and text named .png as CORRUPT failures, and exits 3', async () => {
  const root = await tempDir('not-images-root');
  const cacheDir = await tempDir('not-images-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, {
    'good.jpg': await syntheticJpeg(1),
    'DCIM/IMG_1234.JPG': Buffer.alloc(0),
    'x.png': 'this is a shopping list, not a picture\n',
    'notes.txt': 'a plain note\n',
  });
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args]);

  const expectedFailures = [
    { path: 'DCIM/IMG_1234.JPG', reason: 'CORRUPT: empty file (0 bytes), named as an image (.jpg)' },
    {
      path: 'x.png',
      reason:
        'CORRUPT: not an image: its bytes are not PNG nor any other image format, though its name says .png',
    },
  ];
  const scan = await cli('scan', root, '--json');
  expect(scan.code, scan.stderr).toBe(3);
  expect(JSON.parse(scan.stdout).failed).toEqual(expectedFailures);

  // The files are still listed, as failed with their reason; the note stays a plain `other`.
  const list = await cli('list', root, '--json');
  expect(list.code, list.stderr).toBe(0);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { path: string; kind: string; status: string; reason?: string });
  const byPath = new Map(rows.map((row) => [row.path, row]));
  expect(byPath.get('notes.txt')).toMatchObject({ kind: 'other', status: 'ok' });
  expect(byPath.get('good.jpg')).toMatchObject({ kind: 'jpeg', status: 'ok' });
  expect(byPath.get('x.png')).toMatchObject({ kind: 'other', status: 'failed' });
  expect(byPath.get('DCIM/IMG_1234.JPG')).toMatchObject({ kind: 'other', status: 'failed' });

  // Every scan says so again, though the files are not read again (unchanged).
  const again = await cli('scan', root, '--json');
  expect(again.code, again.stderr).toBe(3);
  const report = JSON.parse(again.stdout);
  expect(report.failed).toEqual(expectedFailures);
  expect(report.unchanged).toBe(4);

  // The human report names each file and its reason.
  const human = await cli('scan', root);
  expect(human.code).toBe(3);
  expect(human.stdout).toContain(
    'failed DCIM/IMG_1234.JPG: CORRUPT: empty file (0 bytes), named as an image (.jpg)',
  );
  expect(human.stdout).toContain('failed x.png: CORRUPT: not an image');
  expect(human.stdout).not.toContain('notes.txt');
});
