import { loadSharp } from '../digest/sharp-loader.js';
import { PhotolalaError } from '../source/errors.js';

/** Side of the greyscale image the DCT runs on, and of the low-frequency block kept from it. */
const SAMPLE = 32;
const LOW = 8;

/** A perceptual hash: 64 bits as 16 lower-case hex digits. */
export const PERCEPTUAL_HASH = /^[0-9a-f]{16}$/;

/** cos((2x + 1) u π / 2N) for the first LOW frequencies u and every sample x. */
const COSINES = (() => {
  const table = new Float64Array(LOW * SAMPLE);
  for (let u = 0; u < LOW; u++)
    for (let x = 0; x < SAMPLE; x++)
      table[u * SAMPLE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SAMPLE));
  return table;
})();

/**
 * The 64-bit DCT hash ("pHash", as the imagehash library computes it) of 32x32 greyscale pixels:
 * the 8x8 lowest frequencies of a 2-D DCT, one bit per coefficient, set when it is above their
 * median. Low frequencies describe the picture's layout of light and dark, which survives resizing,
 * re-encoding and small edits; only the 8 of 32 frequencies kept are computed, separably.
 */
export function perceptualHashOfPixels(grey: Uint8Array): string {
  if (grey.length !== SAMPLE * SAMPLE)
    throw new PhotolalaError('INVALID_ARGUMENT', `expected ${SAMPLE}x${SAMPLE} greyscale pixels`, {
      backend: 'perceptual-hash',
    });
  // Rows first: rowPass[y][u] = Σx cos(u, x) p[y][x].
  const rowPass = new Float64Array(SAMPLE * LOW);
  for (let y = 0; y < SAMPLE; y++)
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let x = 0; x < SAMPLE; x++) sum += COSINES[u * SAMPLE + x]! * grey[y * SAMPLE + x]!;
      rowPass[y * LOW + u] = sum;
    }
  const coefficients = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++)
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let y = 0; y < SAMPLE; y++) sum += COSINES[v * SAMPLE + y]! * rowPass[y * LOW + u]!;
      coefficients[v * LOW + u] = sum;
    }
  const sorted = Float64Array.from(coefficients).sort();
  const median = (sorted[(LOW * LOW) / 2 - 1]! + sorted[(LOW * LOW) / 2]!) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++)
      value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

/**
 * The perceptual hash of an image file's pixels as they are stored (orientation is the caller's:
 * the catalog hashes its thumbnails, which have it applied). Catalogs hash the 256x256 thumbnail,
 * so a hash made at digest time and one made later from the cached thumbnail are the same.
 */
export async function perceptualHash(image: Uint8Array): Promise<string> {
  const sharp = await loadSharp();
  const grey = await sharp(image, { failOn: 'error' })
    .greyscale()
    .removeAlpha()
    .resize(SAMPLE, SAMPLE, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (grey.info.channels !== 1)
    throw new PhotolalaError('CORRUPT', 'the image did not decode to greyscale pixels', {
      backend: 'perceptual-hash',
    });
  return perceptualHashOfPixels(grey.data);
}

/** How many of the 64 bits differ between two perceptual hashes. */
export function hammingDistance(a: string, b: string): number {
  return (
    popcount32(Number.parseInt(a.slice(0, 8), 16) ^ Number.parseInt(b.slice(0, 8), 16)) +
    popcount32(Number.parseInt(a.slice(8), 16) ^ Number.parseInt(b.slice(8), 16))
  );
}

export function popcount32(n: number): number {
  let v = n - ((n >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
