import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, type RootSource } from '@photolala/core';
import { type Gallery, startGallery } from '@photolala/gallery';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();
let gallery: Gallery | undefined;
afterEach(async () => {
  await gallery?.close();
  gallery = undefined;
});

async function served() {
  const root = await tempDir('changed');
  const cacheDir = await tempDir('changed-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, {
    'kept.jpg': await syntheticJpeg(1),
    'edited.jpg': await syntheticJpeg(2),
    'gone.jpg': await syntheticJpeg(3),
    'phone.heic': await readFile(path.join(FIXTURES, 'iphone_13_pro_max.HEIC')),
  });
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  await catalog.scan();
  gallery = await startGallery({ catalogs: [catalog], port: 0 });
  const base = `http://127.0.0.1:${gallery.port}`;
  const md5Of = (name: string) => catalog.get(name)!.photoMd5!;
  return { root, base, md5Of };
}

describe('originals changed since the scan', () => {
  it('are refused with the reason, never sent as immutable under the old photo-md5', async () => {
    const { root, base, md5Of } = await served();
    // Same size, other bytes: only the photo-md5 can tell.
    const edited = await readFile(path.join(root, 'edited.jpg'));
    edited[edited.length - 3] = edited[edited.length - 3]! ^ 0xff;
    await writeFile(path.join(root, 'edited.jpg'), edited);
    await rm(path.join(root, 'gone.jpg'));
    await writeFile(path.join(root, 'phone.heic'), await syntheticJpeg(9));

    const kept = await fetch(`${base}/api/roots/0/previews/${md5Of('kept.jpg')}`);
    expect(kept.status).toBe(200);
    expect(kept.headers.get('etag')).toBe(`"${md5Of('kept.jpg')}"`);
    expect(Buffer.from(await kept.arrayBuffer())).toEqual(await readFile(path.join(root, 'kept.jpg')));

    for (const [name, status, says] of [
      ['edited.jpg', 409, 'changed since the last scan'],
      ['phone.heic', 409, 'changed since the last scan'],
      ['gone.jpg', 404, 'missing from its root'],
    ] as const) {
      const response = await fetch(`${base}/api/roots/0/previews/${md5Of(name)}`);
      expect(response.status, name).toBe(status);
      expect(((await response.json()) as { error: string }).error, name).toContain(says);
      expect(response.headers.get('etag'), name).toBeNull();
      expect(response.headers.get('cache-control') ?? '', name).not.toContain('immutable');
    }
    // A ranged read is checked by size and mtime: the edit changed the mtime.
    const ranged = await fetch(`${base}/api/roots/0/previews/${md5Of('edited.jpg')}`, {
      headers: { range: 'bytes=0-9' },
    });
    expect(ranged.status).toBe(409);
  });
});

describe('an original sent again in the same run', () => {
  it('is streamed without being read whole and hashed again, while a change since is still refused', async () => {
    const root = await tempDir('verified');
    const cacheDir = await tempDir('verified-cache');
    cleanup.push(root, cacheDir);
    await writeTree(root, { 'a.jpg': await syntheticJpeg(1) });
    const local = await createLocalSource({ root });
    // Reads that stop half way until `gate` opens: a request that must read the whole file before
    // it answers does not answer while the gate is shut.
    let gate: Promise<void> | undefined;
    let reads = 0;
    const source: RootSource = {
      ...local,
      async readAll(p, options) {
        reads++;
        const chunks: Buffer[] = [];
        for await (const chunk of await local.readAll(p, options)) chunks.push(chunk as Buffer);
        const whole = Buffer.concat(chunks);
        const waitFor = gate;
        return Readable.from(
          (async function* () {
            yield whole.subarray(0, whole.length >> 1);
            await waitFor;
            yield whole.subarray(whole.length >> 1);
          })(),
        );
      },
    };
    const catalog = await openCatalog(source, { cacheDir });
    opened.push(catalog);
    await catalog.scan();
    gallery = await startGallery({ catalogs: [catalog], port: 0 });
    const md5 = catalog.get('a.jpg')!.photoMd5!;
    const url = `http://127.0.0.1:${gallery.port}/api/roots/0/previews/${md5}`;
    const bytes = await readFile(path.join(root, 'a.jpg'));

    reads = 0;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer())).toEqual(bytes);
    expect(reads).toBe(1);

    let open = () => {};
    gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    try {
      const second = await Promise.race([
        fetch(url),
        new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), 10_000)),
      ]);
      // Answered with half the file read: not held back for a hash of all of it.
      expect(second).not.toBe('no answer');
      open();
      const response = second as Response;
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBe(`"${md5}"`);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
      expect(reads).toBe(2);
    } finally {
      open();
      gate = undefined;
    }

    // Same size, other bytes, a new mtime: hashed again, and refused.
    const edited = Buffer.from(bytes);
    edited[edited.length - 3] = edited[edited.length - 3]! ^ 0xff;
    await writeFile(path.join(root, 'a.jpg'), edited);
    const changed = await fetch(url);
    expect(changed.status).toBe(409);
    expect(((await changed.json()) as { error: string }).error).toContain('changed since the last scan');
    await rm(path.join(root, 'a.jpg'));
    expect((await fetch(url)).status).toBe(404);
  });
});
