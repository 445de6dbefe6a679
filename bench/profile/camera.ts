/**
 * Profiling aid for the camera scenario: three cold catalogs of a folder of camera JPEGs, then the
 * plain sharp loop, each with wall and CPU time. Run from bench/:
 *   node --cpu-prof --import tsx profile/camera.ts ../.bench-cache/camera-40
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import sharp from 'sharp';

const root = process.argv[2]!;
const cacheDir = path.join(tmpdir(), 'photolala-profile-cache');
const timed = async (label: string, run: () => Promise<unknown>) => {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  console.log(
    label,
    Math.round(performance.now() - wall),
    'ms wall',
    Math.round((used.user + used.system) / 1000),
    'ms cpu',
  );
};

for (let run = 0; run < 3; run++) {
  for (const name of readdirSync(root)) if (name.startsWith('.photolala')) rmSync(path.join(root, name));
  rmSync(cacheDir, { recursive: true, force: true });
  const catalog = await openCatalog(await createLocalSource({ root }), {
    cacheDir,
    limits: { concurrency: 2 },
  });
  await timed('catalog', () => catalog.scan());
  await catalog.close();
}
const files = readdirSync(root).filter((name) => name.endsWith('.JPG'));
for (let run = 0; run < 3; run++) {
  let next = 0;
  await timed('sharp loop', () =>
    Promise.all(
      Array.from({ length: 2 }, async () => {
        while (next < files.length) {
          const file = path.join(root, files[next++]!);
          await sharp(readFileSync(file))
            .rotate()
            .resize(256, 256, { fit: 'cover' })
            .jpeg({ quality: 85 })
            .toBuffer();
        }
      }),
    ),
  );
}
