/**
 * Profiling aid: the CPU (all threads) of each step of a photo's digest, one photo at a time, over a
 * folder of JPEGs, beside the sharp loop's pipeline. Run from bench/:
 *   node --import tsx profile/digest-parts.ts ../.bench-cache/camera-40
 */
import { createHash, hash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { perceptualHash } from '../../packages/core/src/compare/perceptual-hash.js';
import { readExif } from '../../packages/core/src/digest/metadata.js';
import { renderThumbnail } from '../../packages/core/src/digest/thumbnail.js';

const root = process.argv[2]!;
const rounds = Number(process.argv[3] ?? 3);
// A folder of photos, or a tree (the small corpus): at most 400 of them.
const files = (readdirSync(root, { recursive: true }) as string[])
  .filter((n) => /\.jpe?g$/i.test(n) && !n.split(path.sep).some((part) => part.startsWith('.')))
  .sort()
  .slice(0, 400)
  .map((n) => path.join(root, n));
const datas = files.map((f) => readFileSync(f));
sharp.cache(false);
const thumbs: Buffer[] = [];
for (const d of datas) thumbs.push((await renderThumbnail(d, 'jpeg', { maxPixels: 2e8 })).jpeg);
await readExif(datas[0]!);

const steps: Record<string, (i: number) => unknown> = {
  readFile: (i) => readFileSync(files[i]!),
  md5OneShot: (i) => hash('md5', datas[i]!),
  md5Stream: (i) => createHash('md5').update(datas[i]!).digest('hex'),
  loopPipeline: (i) =>
    sharp(datas[i]!).rotate().resize(256, 256, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer(),
  sharpMetadata: (i) => sharp(datas[i]!, { limitInputPixels: false, failOn: 'error', pages: 1 }).metadata(),
  renderThumbnail: (i) => renderThumbnail(datas[i]!, 'jpeg', { maxPixels: 2e8 }),
  perceptualHash: (i) => perceptualHash(thumbs[i]!),
  readExif: (i) => readExif(datas[i]!),
};
for (let round = 0; round < rounds; round++) {
  const line: string[] = [];
  for (const [name, step] of Object.entries(steps)) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < datas.length; i++) await step(i);
    const used = process.cpuUsage(cpu);
    line.push(
      `${name} ${Math.round((used.user + used.system) / 1000)}cpu/${Math.round(performance.now() - t0)}wall`,
    );
  }
  console.log(line.join('  '));
}
