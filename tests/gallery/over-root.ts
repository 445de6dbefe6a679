import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { expect } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { syntheticJpeg } from '../support/fs.js';
import { type GalleryBrowser, openTile, useGalleryBrowser, visibleThumbnails } from './browser.js';

export interface ServedRoot {
  /** The ROOT argument as a user types it (a URI with its user name, or a path). */
  root: string;
  /** PHOTOLALA_CACHE_DIR and what the backend needs (credentials, endpoints). */
  env: Record<string, string>;
  /** The cache shard the backend's thumbnails go to. */
  shard: 'local' | 's3' | 'apple';
  /** Every photo of the root, by its path in the catalog, with its bytes; file names are unique. */
  photos: Map<string, Buffer>;
  /** The photo to open in the lightbox and star. */
  open: string;
}

interface ListRow {
  path: string;
  photoMd5: string;
  externalId?: string;
  starred: boolean;
}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

async function listJson(args: string[], env: Record<string, string>): Promise<ListRow[]> {
  const list = await runCli(['list', ...args, '--json'], env);
  expect(list.stderr).toBe('');
  expect(list.code).toBe(0);
  return list.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ListRow);
}

/** A decoded image as 8-bit RGB. */
async function rgb(image: Buffer | string): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Mean absolute difference per channel of two RGB images of one size (0 to 255). */
function meanDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Each visible tile's file name, thumbnail URL and pixels as Chromium decoded them (a PNG). */
function tilePixels(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.tile')].map((tile) => {
      const img = tile.querySelector('img')!;
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      canvas.getContext('2d')!.drawImage(img, 0, 0);
      return { name: tile.title, src: img.src, png: canvas.toDataURL('image/png') };
    }),
  );
}

/**
 * For a file of tests of the gallery over one root through its real backend, in Chromium: call it
 * at the top of the file. The check it returns scans the root, serves it with `photolala serve`, and
 * sees every photo show as a tile whose decoded pixels are its cached thumbnail; the original opened
 * in the lightbox arrive byte for byte through the backend (whole and by `Range`); and a star set
 * with `s` be what `photolala list --starred` then shows. `serve` is stopped when it returns, before
 * the test stops the backend's server.
 */
export function useGalleryOver(): (served: ServedRoot) => Promise<void> {
  const chromium = useGalleryBrowser();
  return (served) => checkGalleryOver(chromium, served);
}

async function checkGalleryOver(chromium: GalleryBrowser, served: ServedRoot): Promise<void> {
  const { root, env, photos } = served;
  const scan = await runCli(['scan', root, '--json'], env);
  expect(scan.code).toBe(0);
  expect(JSON.parse(scan.stdout)).toMatchObject({ entries: photos.size, failed: [] });
  const rows = new Map((await listJson([root], env)).map((row) => [row.path, row]));
  expect([...rows.keys()].sort()).toEqual([...photos.keys()].sort());
  const byName = new Map([...rows.values()].map((row) => [path.posix.basename(row.path), row]));

  const serving = await chromium.serve([root], env);
  try {
    const page = await chromium.open(serving.url);
    expect(await page.evaluate(() => Number(document.body.dataset.total))).toBe(photos.size);
    expect(await visibleThumbnails(page)).toEqual({
      count: photos.size,
      widths: Array(photos.size).fill(256),
    });

    // Every tile is its own photo's cached thumbnail, as Chromium decoded it: JPEG decoders may
    // round differently, so the pixels must be near that thumbnail and nearer to it than to any other.
    const cacheDir = env.PHOTOLALA_CACHE_DIR!;
    const thumbnails = new Map<string, Buffer>();
    for (const row of rows.values()) {
      const key = served.shard === 'apple' ? row.externalId! : row.photoMd5;
      const file =
        served.shard === 'apple'
          ? path.join(cacheDir, 'apple', 'thumbnails', `${key}.jpg`)
          : path.join(cacheDir, served.shard, 'thumbnails', key.slice(0, 2), `${key}.jpg`);
      const thumbnail = await rgb(file);
      expect([thumbnail.width, thumbnail.height]).toEqual([256, 256]);
      thumbnails.set(row.path, thumbnail.data);
    }
    const tiles = await tilePixels(page);
    expect(tiles.map((t) => t.name).sort()).toEqual([...byName.keys()].sort());
    for (const tile of tiles) {
      const row = byName.get(tile.name)!;
      expect(tile.src).toMatch(new RegExp(`/thumbnails/${row.photoMd5}$`));
      const shown = await rgb(Buffer.from(tile.png.slice(tile.png.indexOf(',') + 1), 'base64'));
      expect([shown.width, shown.height]).toEqual([256, 256]);
      const own = meanDifference(shown.data, thumbnails.get(row.path)!);
      expect(own, tile.name).toBeLessThan(2);
      for (const [other, pixels] of thumbnails)
        if (other !== row.path) expect(meanDifference(shown.data, pixels), other).toBeGreaterThan(own + 5);
    }

    // The lightbox streams the original through the backend.
    const original = photos.get(served.open)!;
    const name = path.posix.basename(served.open);
    const previewResponse = page.waitForResponse((r) => r.url().includes('/previews/'));
    await openTile(page, name);
    const response = await previewResponse;
    expect(response.status()).toBe(200);
    expect(md5(await response.body())).toBe(md5(original));
    expect(await page.textContent('#info dd[data-field="path"]')).toMatch(
      new RegExp(`(^|/)${served.open.replace(/[.]/g, '\\.')}$`),
    );
    await page.waitForFunction(() => (document.getElementById('preview') as HTMLImageElement).complete);
    const { width } = await sharp(original).metadata();
    expect(
      await page.evaluate(() => (document.getElementById('preview') as HTMLImageElement).naturalWidth),
    ).toBe(width);
    const ranged = await page.evaluate(async () => {
      const r = await fetch((document.getElementById('preview') as HTMLImageElement).src, {
        headers: { Range: 'bytes=100-1099' },
      });
      return { status: r.status, bytes: [...new Uint8Array(await r.arrayBuffer())] };
    });
    expect(ranged.status).toBe(206);
    expect(md5(Uint8Array.from(ranged.bytes))).toBe(md5(original.subarray(100, 1100)));

    // A star set in the browser reaches the catalog that `photolala list` reads.
    await page.keyboard.press('s');
    await page.waitForSelector('#star.on');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('stars saved'));
    expect((await listJson([root, '--starred'], env)).map((row) => row.path)).toEqual([served.open]);
  } finally {
    await serving.stop();
  }
}

/** Three unique synthetic photos to serve, two of them in a folder. */
export async function galleryPhotos(): Promise<Map<string, Buffer>> {
  const photos = new Map<string, Buffer>();
  for (const [name, seed] of [
    ['photo-1.jpg', 1],
    ['trip/photo-2.jpg', 2],
    ['trip/day 2/photo-3.jpg', 3],
  ] as const)
    photos.set(name, await syntheticJpeg(seed, 160, 120));
  return photos;
}
