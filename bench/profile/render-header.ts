/**
 * Profiling aid: the thumbnail render with sharp's header read (the path before session 22) against
 * `renderThumbnail` (the header read in JavaScript when plain), alternated in one process, 3 at once
 * as the catalog renders; CPU per photo, all threads, medians of the rounds. Run from bench/:
 *   node --import tsx profile/render-header.ts ../.bench-cache/small-10000 300 12
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { renderThumbnail } from '../../packages/core/src/digest/thumbnail.js';

const root = process.argv[2]!;
const count = Number(process.argv[3] ?? 300);
const rounds = Number(process.argv[4] ?? 12);
const photos = (readdirSync(root, { recursive: true }) as string[])
  .filter((n) => /\.jpe?g$/i.test(n) && !n.split(path.sep).some((part) => part.startsWith('.')))
  .sort()
  .slice(0, count)
  .map((n) => readFileSync(path.join(root, n)));
sharp.cache(false);

const withSharpHeader = async (data: Buffer) => {
  const image = sharp(data, { limitInputPixels: false, failOn: 'error', pages: 1 });
  await image.metadata();
  return image
    .rotate()
    .resize(256, 256, { fit: 'cover', position: 'centre', fastShrinkOnLoad: true })
    .toColourspace('srgb')
    .jpeg({ quality: 85, chromaSubsampling: '4:2:0' })
    .toBuffer();
};
const withJsHeader = (data: Buffer) => renderThumbnail(data, 'jpeg', { maxPixels: 1e9 });

async function cpuPerPhoto(render: (data: Buffer) => Promise<unknown>): Promise<number> {
  let next = 0;
  const cpu = process.cpuUsage();
  await Promise.all(
    [0, 1, 2].map(async () => {
      while (next < photos.length) await render(photos[next++]!);
    }),
  );
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / photos.length;
}

await cpuPerPhoto(withSharpHeader);
await cpuPerPhoto(withJsHeader);
const before: number[] = [];
const after: number[] = [];
for (let round = 0; round < rounds; round++) {
  // Alternate which goes first, so that a change of load falls on both alike.
  if (round % 2) {
    after.push(await cpuPerPhoto(withJsHeader));
    before.push(await cpuPerPhoto(withSharpHeader));
  } else {
    before.push(await cpuPerPhoto(withSharpHeader));
    after.push(await cpuPerPhoto(withJsHeader));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const saved = before.map((ms, i) => ms - after[i]!);
console.log(
  JSON.stringify({
    photos: photos.length,
    rounds,
    sharpHeaderMs: +median(before).toFixed(3),
    jsHeaderMs: +median(after).toFixed(3),
    savedMs: +median(saved).toFixed(3),
    cheaperRounds: saved.filter((ms) => ms > 0).length,
  }),
);
