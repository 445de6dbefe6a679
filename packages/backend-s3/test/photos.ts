import { readFile } from 'node:fs/promises';

/** A real camera JPEG made distinct by a comment segment carrying `seed`: other bytes, the same photo. */
export async function cameraJpeg(seed: number): Promise<Buffer> {
  const base = await readFile(new URL('../../../fixtures/real/Canon_40D.jpg', import.meta.url));
  const comment = Buffer.from(`seed ${seed}`);
  return Buffer.concat([
    base.subarray(0, 2),
    Buffer.from([0xff, 0xfe, 0, comment.length + 2]),
    comment,
    base.subarray(2),
  ]);
}
