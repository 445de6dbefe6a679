import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test, vi } from 'vitest';

// Every sharp pipeline the thumbnailer starts, counted: a broken file must cost one decode, not two.
const pipelines = vi.hoisted(() => ({ count: 0 }));
vi.mock('../src/digest/sharp-loader.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/digest/sharp-loader.js')>();
  return {
    loadSharp: async () => {
      const sharp = await original.loadSharp();
      return new Proxy(sharp, {
        apply(target, self, args) {
          pipelines.count++;
          return Reflect.apply(target, self, args);
        },
      });
    },
  };
});

const { renderThumbnail } = await import('../src/digest/thumbnail.js');
const { isPhotolalaError } = await import('../src/source/errors.js');

const fixture = path.join(import.meta.dirname, '../../../fixtures/real/DSCN0010.jpg');

describe('a corrupt JPEG', () => {
  test('is decoded once, and fails with one line saying why, naming the file', async () => {
    const whole = readFileSync(fixture);
    pipelines.count = 0;
    await renderThumbnail(whole, 'jpeg', { maxPixels: 100e6 });
    expect(pipelines.count).toBe(1);

    pipelines.count = 0;
    const error = await renderThumbnail(whole.subarray(0, Math.floor(whole.length * 0.6)), 'jpeg', {
      maxPixels: 100e6,
      path: 'trips/broken.jpg',
    }).catch((e: unknown) => e);
    expect(isPhotolalaError(error, 'CORRUPT')).toBe(true);
    // The decode's own failure, on one line, for the file named: its header was read, its pixels not.
    expect(error).toMatchObject({ path: 'trips/broken.jpg', backend: 'thumbnail' });
    expect((error as Error).message).toMatch(
      /^\[photolala\] \[thumbnail\] cannot decode image: [^\n]*premature end of JPEG image$/i,
    );
    expect(pipelines.count).toBe(1);
  });
});
