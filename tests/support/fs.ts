import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/real/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const tempDir = (prefix: string) => mkdtemp(path.join(tmpdir(), `photolala-${prefix}-`));

export async function writeTree(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [rel, data] of Object.entries(files)) {
    const full = path.join(root, ...rel.split('/'));
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, data);
  }
}

/** A unique small JPEG: a gradient whose colours derive from `seed`. */
export async function syntheticJpeg(seed: number, width = 64, height = 48): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    pixels[i * 3] = (seed * 37 + i) & 0xff;
    pixels[i * 3 + 1] = (seed * 91 + (i >> 3)) & 0xff;
    pixels[i * 3 + 2] = (seed * 13) & 0xff;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .withExif({ IFD0: { Make: 'Photolala', Model: `Synthetic ${seed}` } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export { countingSource } from '@photolala/core/testing';
