import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderThumbnail } from '@photolala/core/internals';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { FIXTURES, REPO_ROOT } from '../support/fs.js';
import { meanPixelDifference } from '../support/images.js';

const synthetic = (name: string) => readFile(path.join(REPO_ROOT, 'fixtures', 'synthetic', name));
const limits = { maxPixels: 200_000_000 };

/** The same 256x256 cover thumbnail, made by sharp straight from the source PNG. */
async function reference(): Promise<Buffer> {
  return sharp(await synthetic('quadrant-1200x900.png'))
    .resize(256, 256, { fit: 'cover' })
    .jpeg({ quality: 85 })
    .toBuffer();
}

describe('HEIC: the smallest stored image that still covers 256 px is decoded', () => {
  test('a 400x300 thumbnail item is used; the dimensions reported are the primary image', async () => {
    const rendered = await renderThumbnail(await synthetic('thumbnail-item-400.heic'), 'heic', limits);
    expect(rendered.renderedFrom).toEqual({ width: 400, height: 300, thumbnailItem: true });
    expect([rendered.width, rendered.height, rendered.storedWidth, rendered.storedHeight]).toEqual([
      1200, 900, 1200, 900,
    ]);
    const thumb = sharp(rendered.jpeg);
    expect(await thumb.metadata()).toMatchObject({ width: 256, height: 256, format: 'jpeg' });
    // Same picture as the full-size source: the blue quadrant is top left, not elsewhere.
    expect(await meanPixelDifference(rendered.jpeg, await reference())).toBeLessThan(10);
    const { data } = await sharp(rendered.jpeg).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * 256 + x) * 3, (y * 256 + x) * 3 + 3)];
    expect(at(40, 40)[2]).toBeGreaterThan(200); // blue
    expect(at(200, 200)[0]).toBeGreaterThan(150); // red-orange
  });

  test('a thumbnail item too small for 256 px (320x240) is passed over for the primary image', async () => {
    const rendered = await renderThumbnail(await synthetic('thumbnail-item-320.heic'), 'heic', limits);
    expect(rendered.renderedFrom).toBeUndefined();
    expect([rendered.width, rendered.height]).toEqual([1200, 900]);
    expect(await meanPixelDifference(rendered.jpeg, await reference())).toBeLessThan(10);
  });

  test("the iPhone's 320x240 thumbnail item is too small, so its primary image is decoded", async () => {
    const data = await readFile(path.join(FIXTURES, 'iphone_13_pro_max.HEIC'));
    const rendered = await renderThumbnail(data, 'heic', { ...limits, orientation: 6 });
    expect(rendered.renderedFrom).toBeUndefined();
    expect([rendered.width, rendered.height]).toEqual([3024, 4032]);
  });
});
