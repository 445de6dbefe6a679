import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, test } from 'vitest';
import { buildLibrary } from '../../../packages/backend-apple-photos/test/library-builder.js';
import { FIXTURES, syntheticJpeg, tempDir } from '../../support/fs.js';
import { useGalleryOver } from '../over-root.js';

const checkGalleryOver = useGalleryOver();
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('the gallery over an Apple Photos library: tiles, the original, a star kept in the mirror', async () => {
  const parent = await tempDir('gallery-apple');
  const cacheDir = await tempDir('gallery-apple-cache');
  cleanup.push(parent, cacheDir);
  const assets = [
    {
      uuid: 'ABCDEF01-2345-4678-89AB-CDEF01234567',
      directory: 'A',
      file: readFileSync(path.join(FIXTURES, 'DSCN0012.jpg')),
    },
    { uuid: '12345678-1234-4234-8234-123456789012', directory: '1', file: await syntheticJpeg(1, 160, 120) },
    { uuid: '0F0E0D0C-0B0A-4908-8706-050403020100', directory: '0', file: await syntheticJpeg(2, 160, 120) },
  ];
  const { bundle } = buildLibrary(
    parent,
    8,
    assets.map((a) => ({ ...a, ext: 'jpeg' })),
  );
  const photos = new Map(assets.map((a) => [`originals/${a.directory}/${a.uuid}.jpeg`, a.file]));
  await checkGalleryOver({
    root: bundle,
    env: { PHOTOLALA_CACHE_DIR: cacheDir },
    shard: 'apple',
    photos,
    open: `originals/A/${assets[0]!.uuid}.jpeg`,
  });
});
