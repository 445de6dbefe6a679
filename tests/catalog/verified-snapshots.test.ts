import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import { md5Hex, POINTER_FILE, snapshotFileName, VERIFIED_FILE } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach, scannedRoot } from '../support/catalog.js';

const { cleanup } = cleanupAfterEach();

/** Longer than FINGERPRINT_SETTLE_MS: copies changed before this are old enough to be remembered. */
const settle = () => sleep(2100);

async function scanned() {
  const { root, cacheDir, mirror, newer } = await scannedRoot(cleanup);
  return { root, cacheDir, mirror, catalogMd5: newer };
}

async function open(root: string, cacheDir: string) {
  return openCatalog(await createLocalSource({ root }), { cacheDir });
}

type Records = { version: 2; root: [string, string][]; mirror: [string, string][] };
const records = async (mirror: string) =>
  JSON.parse(await readFile(path.join(mirror, VERIFIED_FILE), 'utf8')) as Records;

describe('verified snapshot copies', () => {
  test('a reload remembers the copies it hashed, with the stat fingerprint of each', async () => {
    const { root, cacheDir, mirror, catalogMd5 } = await scanned();
    await settle();
    const catalog = await open(root, cacheDir);
    expect(catalog.loadInfo).toMatchObject({ source: 'root', catalogMd5 });
    expect(catalog.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg']);
    await catalog.close();
    const saved = await records(mirror);
    const rootCopy = await stat(path.join(root, snapshotFileName(catalogMd5)));
    expect(saved.root).toEqual([[catalogMd5, `${rootCopy.size}:${Math.floor(rootCopy.mtimeMs)}`]]);
    const mirrorCopy = await stat(path.join(mirror, snapshotFileName(catalogMd5)), { bigint: true });
    expect(saved.mirror).toEqual([
      [
        catalogMd5,
        `${mirrorCopy.dev}:${mirrorCopy.ino}:${mirrorCopy.size}:${mirrorCopy.mtimeNs}:${mirrorCopy.ctimeNs}`,
      ],
    ]);
  });

  test('a remembered copy is not read again: a record matching the file is trusted as it stands', async () => {
    const { root, cacheDir, mirror, catalogMd5 } = await scanned();
    await rm(path.join(root, POINTER_FILE));
    // Damage the mirror copy, let it settle, then forge a record that vouches for it as it is now.
    const file = path.join(mirror, snapshotFileName(catalogMd5));
    const bytes = await readFile(file);
    bytes.write('not what was hashed', bytes.length - 64);
    await writeFile(file, bytes);
    await settle();
    const info = await stat(file, { bigint: true });
    const fingerprint = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    await writeFile(
      path.join(mirror, VERIFIED_FILE),
      JSON.stringify({ version: 2, root: [], mirror: [[catalogMd5, fingerprint]] }),
    );
    const trusting = await open(root, cacheDir);
    // Loaded without hashing: the bytes no longer hash to the name, and nothing noticed.
    expect(trusting.loadInfo).toMatchObject({ source: 'mirror', catalogMd5, skipped: [expect.anything()] });
    await trusting.close();
    // A record that does not match the file (here: another size) makes the copy hashed, and refused...
    await writeFile(
      path.join(mirror, VERIFIED_FILE),
      JSON.stringify({
        version: 2,
        root: [],
        mirror: [[catalogMd5, fingerprint.replace(/:\d+:(\d+n?):/, ':1:$1:')]],
      }),
    );
    const checking = await open(root, cacheDir);
    // ... and the root's good copy of the same snapshot serves, and replaces the damaged one.
    expect(checking.loadInfo).toMatchObject({ source: 'root', catalogMd5 });
    expect(checking.loadInfo.skipped).toContainEqual(
      expect.objectContaining({ store: 'mirror', catalogMd5, reason: expect.stringMatching(/hashes to/) }),
    );
    expect(checking.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg']);
    expect(md5Hex(await readFile(file))).toBe(catalogMd5);
    await checking.close();
  });

  test('a remembered copy changed in place, same size, is hashed again and falls back', async () => {
    const { root, cacheDir, mirror, catalogMd5 } = await scanned();
    await settle();
    await (await open(root, cacheDir)).close();
    expect((await records(mirror)).root.map(([md5]) => md5)).toEqual([catalogMd5]);
    const file = path.join(root, snapshotFileName(catalogMd5));
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    await settle();
    const catalog = await open(root, cacheDir);
    // The root copy's mtime moved, so it was hashed and refused; the mirror's remembered copy served.
    expect(catalog.loadInfo).toMatchObject({ source: 'mirror', catalogMd5 });
    expect(catalog.loadInfo.skipped).toContainEqual(
      expect.objectContaining({ store: 'root', catalogMd5, reason: expect.stringMatching(/hashes to/) }),
    );
    expect(catalog.list().map((e) => e.path)).toEqual(['a.jpg', 'b/c.jpg']);
    await catalog.close();
  });

  test('a damaged record file counts as no records', async () => {
    const { root, cacheDir, mirror, catalogMd5 } = await scanned();
    await writeFile(path.join(mirror, VERIFIED_FILE), '{"version":1,"root":[["../../etc/passwd","x"]]');
    const catalog = await open(root, cacheDir);
    expect(catalog.loadInfo).toMatchObject({ source: 'root', catalogMd5, skipped: [] });
    await catalog.close();
  });
});
