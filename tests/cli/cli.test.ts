import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PhotoCache } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURES, REPO_ROOT, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';
import { runCli, startCli } from './run-cli.js';

const cleanup: string[] = [];
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await tempDir('cli-cache');
  cleanup.push(cacheDir);
});
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args]);

async function fixtureRoot(): Promise<string> {
  const root = await tempDir('cli-root');
  cleanup.push(root);
  for (const name of await readdir(FIXTURES)) {
    if (/\.(jpg|heic)$/i.test(name)) await copyFile(path.join(FIXTURES, name), path.join(root, name));
  }
  await writeTree(root, { 'notes/readme.txt': 'not a photo', '.hidden.jpg': 'skipped' });
  return root;
}

function parseNdjson(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('photolala CLI', () => {
  test('scan, list, thumbnail, metadata, star and unstar on real photos', async () => {
    const root = await fixtureRoot();
    const scan = await cli('scan', root, '--json');
    expect(scan.code).toBe(0);
    expect(scan.stderr).toBe('');
    const result = JSON.parse(scan.stdout);
    expect(scan.stdout.trim().split('\n')).toHaveLength(1);
    expect(result).toMatchObject({
      root: `file://${root}`,
      entries: 15,
      added: 15,
      removed: 0,
      changed: 0,
      moved: 0,
      unchanged: 0,
      failed: [],
      source: 'none',
    });
    expect(result.catalogMd5).toMatch(/^[0-9a-f]{32}$/);
    expect(result.snapshots).toContain(`file://${root}/.photolala.${result.catalogMd5}.sqlite`);
    expect(typeof result.durationMs).toBe('number');

    const list = await cli('list', root, '--json');
    expect(list.code).toBe(0);
    const rows = parseNdjson(list.stdout);
    expect(rows).toHaveLength(15);
    for (const row of rows) {
      for (const key of [
        'path',
        'fastPhotoKey',
        'photoMd5',
        'size',
        'mtimeMs',
        'kind',
        'takenAt',
        'width',
        'height',
        'starred',
      ]) {
        expect(row).toHaveProperty(key);
      }
    }
    const heic = rows.find((r) => r.path === 'iphone_13_pro_max.HEIC')!;
    expect(heic).toMatchObject({
      kind: 'heic',
      width: 3024,
      height: 4032,
      takenAt: '2022-02-16T12:55:41.762+01:00',
    });
    expect(rows.find((r) => r.path === 'notes/readme.txt')).toMatchObject({ kind: 'other', photoMd5: null });
    expect((await cli('list', root, 'notes', '--json')).stdout.trim().split('\n')).toHaveLength(1);
    expect(
      parseNdjson((await cli('list', root, '--kind', 'heic', '--json')).stdout).map((r) => r.path),
    ).toEqual(['iphone_13_pro_max.HEIC']);

    const thumb = await cli('thumbnail', root, 'DSCN0010.jpg');
    expect(thumb.code).toBe(0);
    const thumbPath = thumb.stdout.trim();
    expect(path.isAbsolute(thumbPath)).toBe(true);
    expect(thumbPath.startsWith(path.join(cacheDir, 'local', 'thumbnails'))).toBe(true);
    const meta = await sharp(thumbPath).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 256, 256]);

    const md5 = rows.find((r) => r.path === 'DSCN0010.jpg')!.photoMd5 as string;
    const printed = await cli('metadata', root, md5, '--print');
    expect(printed.code).toBe(0);
    const doc = JSON.parse(printed.stdout);
    expect(doc).toMatchObject({ photoMd5: md5, make: 'NIKON', model: 'COOLPIX P6000' });
    expect(doc.gps.latitude).toBeCloseTo(43.467448, 6);
    const metaPath = (await cli('metadata', root, 'DSCN0010.jpg')).stdout.trim();
    expect(metaPath).toBe(path.join(cacheDir, 'local', 'metadata', md5.slice(0, 2), `${md5}.json`));

    const star = await cli('star', root, 'DSCN0010.jpg', heic.fastPhotoKey as string);
    expect(star.code).toBe(0);
    expect(star.stdout).toBe('starred DSCN0010.jpg\nstarred iphone_13_pro_max.HEIC\n');
    expect(parseNdjson((await cli('list', root, '--starred', '--json')).stdout).map((r) => r.path)).toEqual([
      'DSCN0010.jpg',
      'iphone_13_pro_max.HEIC',
    ]);
    expect((await cli('unstar', root, 'DSCN0010.jpg')).code).toBe(0);
    expect(parseNdjson((await cli('list', root, '--starred', '--json')).stdout).map((r) => r.path)).toEqual([
      'iphone_13_pro_max.HEIC',
    ]);
    // Each id on its own: the unknown one and the text file are reported, the photo is starred.
    const mixed = await cli('star', root, 'no/such.jpg', 'notes/readme.txt', 'Nikon_D70.jpg');
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toBe(
      [
        `  failed no/such.jpg: NOT_FOUND: no entry "no/such.jpg" in the catalog of file://${root}`,
        '  failed notes/readme.txt: UNSUPPORTED: notes/readme.txt cannot be starred: it is not an image',
        'starred Nikon_D70.jpg',
        '',
      ].join('\n'),
    );
    expect(parseNdjson((await cli('list', root, '--starred', '--json')).stdout).map((r) => r.path)).toEqual([
      'Nikon_D70.jpg',
      'iphone_13_pro_max.HEIC',
    ]);
  });

  test('list takes a folder as a shell user types it, and refuses an unknown kind', async () => {
    const root = await tempDir('cli-list-args');
    cleanup.push(root);
    await writeTree(root, {
      'a.jpg': await syntheticJpeg(61),
      'trips/b.jpg': await syntheticJpeg(62),
      'Photos Library.photoslibrary/originals/c.jpg': await syntheticJpeg(63),
    });
    const scan = await cli('scan', root);
    expect(scan.code).toBe(0);
    expect(scan.stdout).toContain('\n  skipped 1 on purpose (-v lists them)\n');
    expect((await cli('-v', 'scan', root)).stderr).toContain(
      '    Photos Library.photoslibrary: an Apple Photos library: catalog it as a root of its own',
    );
    const paths = async (...args: string[]) => {
      const run = await cli('list', root, ...args, '--json');
      expect(run.code).toBe(0);
      return run.stdout === '' ? [] : parseNdjson(run.stdout).map((e) => e.path);
    };
    for (const folder of ['trips', 'trips/', './trips/', './trips'])
      expect(await paths(folder), folder).toEqual(['trips/b.jpg']);
    for (const whole of ['.', './', '/', ''])
      expect(await paths(whole), whole).toEqual(['a.jpg', 'trips/b.jpg']);
    const none = await cli('list', root, 'nowhere');
    expect([none.code, none.stdout, none.stderr]).toEqual([
      1,
      '',
      'error: no entry of the catalog lies under nowhere (is the path right? paths are relative to the root)\n',
    ]);
    const outside = await cli('list', root, '../');
    expect([outside.code, outside.stderr]).toEqual([1, 'error: invalid path "..": ".." segment\n']);
    const kind = await cli('list', root, '--kind', 'jpg');
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain("argument 'jpg' is invalid. Allowed choices are jpeg, png, heic");
    expect(await paths('--kind', 'other')).toEqual([]);
  });

  test('a rescan reports added, removed, changed and moved files; status writes nothing', async () => {
    const root = await tempDir('cli-rescan');
    cleanup.push(root);
    await writeTree(root, {
      'a.jpg': await syntheticJpeg(1),
      'b.jpg': await syntheticJpeg(2),
      'c.jpg': await syntheticJpeg(3),
      'd/e.jpg': await syntheticJpeg(4),
    });
    expect((await cli('scan', root, '--json')).code).toBe(0);
    await writeFile(path.join(root, 'new.jpg'), await syntheticJpeg(5));
    await rm(path.join(root, 'b.jpg'));
    await writeFile(path.join(root, 'c.jpg'), await syntheticJpeg(6));
    await rename(path.join(root, 'd/e.jpg'), path.join(root, 'moved.jpg'));

    const pointerBefore = await readFile(path.join(root, '.photolala.md5'), 'utf8');
    const status = await cli('status', root, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      added: ['new.jpg'],
      removed: ['b.jpg'],
      changed: ['c.jpg'],
      moved: [{ from: 'd/e.jpg', to: 'moved.jpg' }],
      unchanged: 1,
    });
    expect(await readFile(path.join(root, '.photolala.md5'), 'utf8')).toBe(pointerBefore);

    const rescan = JSON.parse((await cli('scan', root, '--json')).stdout);
    expect(rescan).toMatchObject({
      added: 1,
      removed: 1,
      changed: 1,
      moved: 1,
      unchanged: 1,
      entries: 4,
      source: 'root',
    });
    expect(rescan.paths.moved).toEqual([{ from: 'd/e.jpg', to: 'moved.jpg' }]);
  });

  test('verify finds missing cache files and --repair regenerates them', async () => {
    const root = await tempDir('cli-verify');
    cleanup.push(root);
    await writeTree(root, { 'a.jpg': await syntheticJpeg(11), 'b.jpg': await syntheticJpeg(12) });
    const first = await cli('scan', root);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/added 2, .* unchanged 0, failed 0 {2}\(\d+\.\d s, new catalog\)/);
    expect((await cli('scan', root)).stdout).toMatch(
      /unchanged 2, failed 0 {2}\(\d+\.\d s, loaded from the root\)/,
    );
    const ok = await cli('verify', root, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, missing: [] });
    const thumb = (await cli('thumbnail', root, 'a.jpg')).stdout.trim();
    const original = await readFile(thumb);
    await rm(thumb);
    const broken = await cli('verify', root, '--json');
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout).missing).toEqual([
      expect.objectContaining({ path: 'a.jpg', thumbnail: true, metadata: false }),
    ]);
    const repaired = await cli('verify', root, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('repaired 1');
    expect(await readFile(thumb)).toEqual(original);
    // Several at once; a photo changed since the scan is reported, with a one-line reason.
    const thumbB = (await cli('thumbnail', root, 'b.jpg')).stdout.trim();
    await rm(thumb);
    await rm(thumbB);
    await writeFile(path.join(root, 'b.jpg'), await syntheticJpeg(13));
    const partly = await cli('verify', root, '--repair', '--json');
    expect(partly.code).toBe(1);
    expect(JSON.parse(partly.stdout)).toMatchObject({
      ok: false,
      repaired: ['a.jpg'],
      repairFailed: [
        { path: 'b.jpg', reason: 'CORRUPT: b.jpg changed since the last scan; run a scan first' },
      ],
    });
    expect(await readFile(thumb)).toEqual(original);
    // A damaged snapshot is reported.
    const pointer = (await readFile(path.join(root, '.photolala.md5'), 'utf8')).trim().split('\n')[0]!;
    await writeFile(path.join(root, `.photolala.${pointer}.sqlite`), 'damaged');
    const damaged = await cli('verify', root, '--json');
    expect(damaged.code).toBe(1);
    const rootStore = JSON.parse(damaged.stdout).stores.find((s: { store: string }) => s.store === 'root');
    expect(rootStore.snapshots[0]).toMatchObject({ catalogMd5: pointer, state: 'hash-mismatch' });
    const snapshots = await cli('snapshots', root, '--json');
    expect(JSON.parse(snapshots.stdout)).toMatchObject({ loadedFrom: 'mirror', catalogMd5: pointer });
    expect((await cli('scan', root)).stdout).toContain('s, loaded from the cache mirror)');
  });

  test('exit codes and error messages', async () => {
    const root = await tempDir('cli-exit');
    cleanup.push(root);
    const bad = await cli('scan', root, '--no-such-flag');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown option');
    expect((await cli()).code).toBe(2);
    expect((await cli('--help')).code).toBe(0);
    expect((await cli('scan', '--help')).stdout).toContain('Examples:');

    const missing = await cli('scan', path.join(root, 'does-not-exist'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(path.join(root, 'does-not-exist'));
    expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose

    // A cache folder that cannot be one: under /proc (where Node's recursive mkdir never returns) and
    // a file. Both fail at once, naming the folder.
    for (const [cacheDir, why] of [
      ['/proc/photolala-cache', "ENOENT: no such file or directory, mkdir '/proc/photolala-cache'"],
      [path.join(FIXTURES, 'Canon_40D.jpg'), 'ENOTDIR: not a directory'],
    ] as const) {
      const unusable = await runCli(['--cache-dir', cacheDir, 'scan', root]);
      expect(unusable.code).toBe(1);
      expect(unusable.stderr).toContain(`error: IO: cannot use ${cacheDir} as the cache folder: ${why}`);
    }

    const notYet = await cli('list', root);
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toContain('photolala scan');

    const full = await readFile(path.join(FIXTURES, 'DSCN0012.jpg'));
    await writeTree(root, { 'ok.jpg': await syntheticJpeg(21), 'truncated.jpg': full.subarray(0, 3_000) });
    const partial = await cli('scan', root, '--json');
    expect(partial.code).toBe(3);
    expect(JSON.parse(partial.stdout).failed).toEqual([
      { path: 'truncated.jpg', reason: expect.stringMatching(/CORRUPT/) },
    ]);
    const human = await cli('scan', root);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(
      /failed truncated\.jpg: CORRUPT: cannot (read image header|decode image): .*premature end/i,
    );
    expect(human.stdout).not.toMatch(/^VipsJpeg/m);
    const listed = await cli('list', root);
    expect(listed.stdout).toMatch(
      /^ {2}jpeg +failed +- +truncated\.jpg {2}\(CORRUPT: cannot (read image header|decode image): [^\n]*\)$/m,
    );
    expect(listed.stdout).toMatch(/^ {2}jpeg +- +64x48 +ok\.jpg$/m);
  });

  test('file names with control characters are printed as escapes, never raw', async () => {
    const root = await tempDir('cli-names');
    cleanup.push(root);
    const photo = await syntheticJpeg(41);
    await writeTree(root, {
      'ok.jpg': photo,
      'evil\u001b[2Jred.jpg': photo,
      'new\nline.jpg': photo,
      'right\u202egpj.jpg': photo,
    });
    // Colour forced on: the report's own red label is still painted, the names are not obeyed.
    const scan = await runCli(['--cache-dir', cacheDir, 'scan', root], { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(scan.code).toBe(3);
    const lines = scan.stdout.trimEnd().split('\n');
    expect(lines.slice(2).sort()).toEqual([
      '  \u001b[31mfailed\u001b[39m evil\\u001b[2Jred.jpg: INVALID_PATH: invalid path "evil\\u001b[2Jred.jpg": control character',
      '  \u001b[31mfailed\u001b[39m new\\nline.jpg: INVALID_PATH: invalid path "new\\nline.jpg": control character',
    ]);
    // Refused names are not cataloged; a name that passes the rules but reorders text is escaped.
    const listed = (await cli('list', root)).stdout.trimEnd().split('\n');
    expect(listed.map((line) => line.replace(/ +/g, ' '))).toEqual([
      ' jpeg - 64x48 ok.jpg',
      ' jpeg - 64x48 right\\u202egpj.jpg',
    ]);
    // --json is for programs: the names are exact there.
    const json = parseNdjson((await cli('list', root, '--json')).stdout).map((e) => e.path);
    expect(json).toEqual(['ok.jpg', 'right\u202egpj.jpg']);
    const status = await cli('status', root);
    expect(status.stdout.split('\n').sort().slice(2)).toEqual([
      'failed   evil\\u001b[2Jred.jpg: INVALID_PATH: invalid path "evil\\u001b[2Jred.jpg": control character',
      'failed   new\\nline.jpg: INVALID_PATH: invalid path "new\\nline.jpg": control character',
    ]);
  });

  test('cache prune keeps the cache within a quota, and scan does with --cache-max-size', async () => {
    const cache = await tempDir('cli-quota-cache');
    const root = await tempDir('cli-quota-root');
    cleanup.push(cache, root);
    await writeTree(root, { 'a.jpg': await syntheticJpeg(51), 'b.jpg': await syntheticJpeg(52) });
    const inCache = (...args: string[]) => runCli(['--cache-dir', cache, ...args]);
    expect((await inCache('scan', root)).code).toBe(0);
    // Two photos no root lists, as left by a root since deleted.
    const photoCache = new PhotoCache(cache);
    const orphans = ['orphan 1', 'orphan 2'].map((text) => md5Hex(Buffer.from(text)));
    for (const md5 of orphans) {
      await photoCache.writeThumbnail('local', md5, await syntheticJpeg(53));
      await photoCache.writeMetadata('local', md5, { version: 1 });
    }
    const thumbnails = async () =>
      (await readdir(path.join(cache, 'local/thumbnails'), { recursive: true })).filter((f) =>
        f.endsWith('.jpg'),
      );
    expect(await thumbnails()).toHaveLength(4);

    const info = await inCache('cache', 'info', '--json');
    expect(JSON.parse(info.stdout)).toMatchObject({ cacheRoot: cache, photos: 4, recentRoots: 1 });
    expect(JSON.parse(info.stdout).recentRootsBytes).toBeLessThan(JSON.parse(info.stdout).bytes);
    expect((await inCache('cache', 'info')).stdout).toMatch(
      new RegExp(
        `^cache ${cache}: [\\d.]+ KB for 4 photos, [\\d.]+ KB of it listed by 1 root opened in the last 90 days\\n$`,
      ),
    );
    const dry = await inCache('cache', 'prune', '--max-size', '0', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/for 4 photos; would remove 2 \(\d+(\.\d+)? KB\)/);
    expect(dry.stderr).toContain('still over its quota');
    expect(await thumbnails()).toHaveLength(4);

    // A scan that makes no thumbnail leaves the cache alone; one that makes one prunes it.
    const unchanged = await inCache('--cache-max-size', '1KB', 'scan', root, '--json');
    expect([unchanged.code, JSON.parse(unchanged.stdout).cache]).toEqual([0, undefined]);
    await writeTree(root, { 'c.jpg': await syntheticJpeg(54) });
    const scan = await inCache('--cache-max-size', '1KB', 'scan', root, '--json');
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout).cache).toMatchObject({
      photosBefore: 5,
      removedPhotos: 2,
      recentRoots: 1,
      overQuota: true,
    });
    // What is left is exactly the thumbnails of the root's three photos.
    const listed = parseNdjson((await inCache('list', root, '--json')).stdout).map((e) => String(e.photoMd5));
    expect((await thumbnails()).sort()).toEqual(listed.map((md5) => `${md5.slice(0, 2)}/${md5}.jpg`).sort());

    const noQuota = await inCache('cache', 'prune');
    expect([noQuota.code, noQuota.stderr]).toEqual([
      2,
      'error: no quota: give --max-size SIZE, or --cache-max-size / PHOTOLALA_CACHE_MAX_SIZE\n',
    ]);
    const badSize = await runCli(['--cache-dir', cache, 'cache', 'prune'], {
      PHOTOLALA_CACHE_MAX_SIZE: '12xb',
    });
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain("value '12xb' from env 'PHOTOLALA_CACHE_MAX_SIZE' is invalid");
  });

  test('a non-TTY run prints no progress bar or escape codes', async () => {
    const root = await tempDir('cli-notty');
    cleanup.push(root);
    await writeTree(root, { 'a.jpg': await syntheticJpeg(31) });
    const run = await runCli(['--cache-dir', cacheDir, 'scan', root], { NO_COLOR: '' });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape codes
    expect(run.stdout).not.toMatch(/[\u001b\r]/);
    expect(run.stdout.trim().split('\n')).toHaveLength(2);
  });

  test('output piped into a reader that stops early (| head) ends quietly', async () => {
    const root = await tempDir('cli-epipe');
    cleanup.push(root);
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`d${i % 10}/file-with-a-long-name-${i}.txt`] = `${i}`;
    await writeTree(root, files);
    expect((await cli('scan', root)).code).toBe(0);
    const { child, done } = startCli(['--cache-dir', cacheDir, 'list', root]);
    const first = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d) => resolve(String(d))),
    );
    child.stdout.destroy();
    const { code, stderr } = await done;
    expect(first).toContain('file-with-a-long-name');
    expect([code, stderr]).toEqual([0, '']);
  });

  test('Ctrl-C during a scan saves what is done; a second scan finishes the rest', async () => {
    const root = await tempDir('cli-sigint');
    const cache = await tempDir('cli-sigint-cache');
    cleanup.push(root, cache);
    // 150 PNGs of 1600x1200 (no shrink-on-load for PNG), one at a time: seconds of digest.
    const pixels = Buffer.alloc(1600 * 1200 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
    for (let n = 0; n < 150; n++) {
      pixels.writeUInt16LE(n, 0);
      await sharp(pixels, { raw: { width: 1600, height: 1200, channels: 3 } })
        .png({ compressionLevel: 1 })
        .toFile(path.join(root, `p${String(n).padStart(3, '0')}.png`));
    }
    const scan = startCli(['--cache-dir', cache, '--concurrency', '1', 'scan', root]);
    // Interrupt once the digest has begun: the first thumbnail is in the cache.
    const thumbnails = path.join(cache, 'local', 'thumbnails');
    for (let waited = 0; ; waited += 20) {
      const made = await readdir(thumbnails, { recursive: true }).catch(() => [] as string[]);
      if (made.some((f) => f.endsWith('.jpg'))) break;
      if (waited > 60_000) throw new Error(`the scan made no thumbnail in a minute: ${scan.output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    scan.child.kill('SIGINT');
    const { code, stdout, stderr } = await scan.done;
    // Its output says why, should it end otherwise (once seen: exit 1, on a loaded machine).
    expect(code, `${stdout}\n${stderr}`).toBe(130);
    expect(stderr).toContain('stopping: saving what is done');
    const left = Number(
      /interrupted: what was done is saved; (\d+) files are left for the next scan/.exec(stdout)?.[1],
    );
    const saved = Number(/added (\d+),/.exec(stdout)?.[1]);
    expect(left).toBeGreaterThan(0);
    expect(saved + left).toBe(150);

    const listed = parseNdjson((await runCli(['--cache-dir', cache, 'list', root, '--json'])).stdout);
    expect(listed).toHaveLength(saved);
    const rest = await runCli(['--cache-dir', cache, 'scan', root, '--json']);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ added: left, unchanged: saved, entries: 150 });
  });

  test('Ctrl-C while the files are being listed changes nothing and exits 130', async () => {
    const root = await tempDir('cli-sigint-listing');
    cleanup.push(root);
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 20; i++) files[`p${i}.jpg`] = await syntheticJpeg(70 + i);
    await writeTree(root, files);
    const marker = path.join(root, '..', `${path.basename(root)}.listing`);
    cleanup.push(marker);
    // The alias plug-in lists one file per 200 ms and says when it has begun.
    const scan = startCli(['--cache-dir', cacheDir, 'scan', `alias://${root}`], {
      PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}`,
      ALIAS_LIST_DELAY_MS: '200',
      ALIAS_LISTING_MARKER: marker,
    });
    for (let waited = 0; !existsSync(marker); waited += 20) {
      if (waited > 60_000) throw new Error(`the scan never began listing: ${scan.output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    scan.child.kill('SIGINT');
    const { code, stdout, stderr } = await scan.done;
    expect([code, stdout]).toEqual([130, '']);
    expect(stderr).toContain('warning: stopped while listing the files; the catalog is as it was');
    const list = await runCli(['--cache-dir', cacheDir, 'list', `alias://${root}`], {
      PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}`,
    });
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('has no catalog yet');
  });

  test('a third-party backend outside packages/ is loaded by scheme', async () => {
    const root = await tempDir('cli-plugin');
    cleanup.push(root);
    await writeTree(root, { 'x.jpg': await syntheticJpeg(41), 'y/z.jpg': await syntheticJpeg(42) });
    const plugin = path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs');
    const uri = `alias://${root}`;
    const viaEnv = await runCli(['--cache-dir', cacheDir, 'scan', uri, '--json'], {
      PHOTOLALA_BACKENDS: `alias=${plugin}`,
    });
    expect(viaEnv.code).toBe(0);
    const result = JSON.parse(viaEnv.stdout);
    expect(result).toMatchObject({ root: uri, entries: 2, added: 2 });
    // The alias backend is read-only: the snapshot lives in the cache mirror only.
    expect(result.snapshots).toHaveLength(1);
    expect(result.snapshots[0].startsWith(cacheDir)).toBe(true);
    expect(result.warnings).toEqual([expect.stringMatching(/read-only/)]);
    const viaFlag = await cli('--backend', `alias=${plugin}`, 'list', uri, '--json');
    expect(parseNdjson(viaFlag.stdout).map((r) => r.path)).toEqual(['x.jpg', 'y/z.jpg']);
    // A scheme nothing serves: the supported ones, never a guessed package name to install.
    const none = await cli('scan', 'nobackend://host/x');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no backend for nobackend:// roots: the supported roots are file://');
    expect(none.stderr).not.toContain('install');
  });
});
