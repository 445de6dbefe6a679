import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnumerateOptions, RootSource } from '@photolala/core';
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

/**
 * Wraps a real source and counts how often each path is read, to prove unchanged files are not:
 * `heads` counts `readHead` calls, `listedHeads` the heads the source read along with its listing
 * (asked for with `headBytes`, which `askedHeadBytes` records per enumeration).
 */
export function countingSource(source: RootSource): RootSource & {
  heads: Map<string, number>;
  listedHeads: Map<string, number>;
  fulls: Map<string, number>;
  askedHeadBytes: (number | undefined)[];
} {
  const heads = new Map<string, number>();
  const listedHeads = new Map<string, number>();
  const fulls = new Map<string, number>();
  const askedHeadBytes: (number | undefined)[] = [];
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  return Object.assign(Object.create(source) as RootSource, {
    heads,
    listedHeads,
    fulls,
    askedHeadBytes,
    async *enumerate(options?: EnumerateOptions) {
      askedHeadBytes.push(options?.headBytes);
      for await (const entry of source.enumerate(options)) {
        if (entry.head) bump(listedHeads, entry.path);
        yield entry;
      }
    },
    readHead: (p: string, n: number) => {
      bump(heads, p);
      return source.readHead(p, n);
    },
    readAll: (p: string) => {
      bump(fulls, p);
      return source.readAll(p);
    },
  });
}
