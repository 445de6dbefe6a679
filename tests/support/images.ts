import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid grayscale PNG of `width` x `height` black pixels. Built by hand because sharp refuses to
 * create images this large; deflate squeezes the zero rows to about 0.1% of their size.
 */
export function hugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc((width + 1) * height); // filter byte 0 + zero pixels per row
  const idat = deflateSync(raw, { level: 1 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Mean absolute difference per channel value between two equally sized images (0..255). */
export async function meanPixelDifference(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [ra, rb] = await Promise.all(
    [a, b].map((img) => sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true })),
  );
  if (!ra || !rb) throw new Error('decode failed');
  if (ra.info.width !== rb.info.width || ra.info.height !== rb.info.height) {
    throw new Error(`sizes differ: ${ra.info.width}x${ra.info.height} vs ${rb.info.width}x${rb.info.height}`);
  }
  let sum = 0;
  for (let i = 0; i < ra.data.length; i++) sum += Math.abs(ra.data[i]! - rb.data[i]!);
  return sum / ra.data.length;
}

/**
 * A minimal Canon CR2-shaped file: a TIFF header with the `CR` signature and an IFD0 holding an
 * orientation and a JPEGInterchangeFormat preview, the way camera RAW files embed their previews.
 */
export function rawWithPreview(preview: Buffer, orientation: number, format: 'cr2' | 'dng' = 'cr2'): Buffer {
  const ifdOffset = 16;
  // A DNG says so by its DNGVersion tag (50706) in IFD0, where a CR2 has the `CR` signature.
  const entries = format === 'dng' ? 4 : 3;
  const jpegOffset = ifdOffset + 2 + entries * 12 + 4;
  const header = Buffer.alloc(jpegOffset);
  header.write('II*\0', 0, 'latin1');
  header.writeUInt32LE(ifdOffset, 4);
  if (format === 'cr2') header.write('CR\u0002\0', 8, 'latin1');
  header.writeUInt16LE(entries, ifdOffset);
  const entry = (i: number, tag: number, type: number, value: number) => {
    const at = ifdOffset + 2 + i * 12;
    header.writeUInt16LE(tag, at);
    header.writeUInt16LE(type, at + 2);
    header.writeUInt32LE(1, at + 4);
    if (type === 3) header.writeUInt16LE(value, at + 8);
    else header.writeUInt32LE(value, at + 8);
  };
  entry(0, 0x0112, 3, orientation);
  entry(1, 0x0201, 4, jpegOffset);
  entry(2, 0x0202, 4, preview.length);
  // Version 1.4.0.0: four bytes, held in the entry itself.
  if (format === 'dng') entry(3, 50706, 1, 0x00000401);
  return Buffer.concat([header, preview]);
}
