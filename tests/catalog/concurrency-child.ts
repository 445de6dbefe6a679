// A process of the concurrency test: opens the catalog of a root, does one thing, closes it (which
// publishes), as many rounds as asked, the way separate `photolala` commands would. Every round it
// checks that the changes of its own earlier rounds are still there: a star another process erased
// fails it. Prints its own expected final state as JSON.
import { createLocalSource } from '@photolala/backend-local';
import { createS3Source } from '@photolala/backend-s3';
import { openCatalog, type RootSource } from '@photolala/core';
import { syntheticJpeg } from '../support/fs.js';

const [role, root, cacheDir, roundsText, ...photos] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const rounds = Number(roundsText);

async function source(): Promise<RootSource> {
  if (!root.startsWith('s3://')) return createLocalSource({ root });
  const [bucket, ...prefix] = root.slice('s3://'.length).split('/');
  return createS3Source({
    bucket: bucket!,
    prefix: prefix.join('/'),
    endpoint: process.env.AWS_ENDPOINT_URL_S3!,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    checksums: 'WHEN_REQUIRED',
  });
}

function fail(message: string): never {
  process.stderr.write(`${role}: ${message}\n`);
  process.exit(1);
}

/** What this process expects of its own photos: starred or not, and the photos it added. */
const stars = new Map<string, boolean>(photos.map((p) => [p, false]));
const added: string[] = [];

for (let round = 0; round < rounds; round++) {
  const src = await source();
  if (role === 'scan') {
    // The new photo is written before the catalog opens: the scan finds it.
    const name = `new/${process.pid}-${round}.jpg`;
    await src.writeAtomic!(name, await syntheticJpeg(1000 + round));
    added.push(name);
  }
  const catalog = await openCatalog(src, { cacheDir });
  const starred = new Set(catalog.list({ starred: true }).map((e) => e.path));
  for (const [path, expected] of stars)
    if (starred.has(path) !== expected)
      fail(`round ${round}: ${path} should be ${expected ? '' : 'un'}starred`);
  const paths = new Set(catalog.list().map((e) => e.path));
  for (const path of added.slice(0, -1)) if (!paths.has(path)) fail(`round ${round}: ${path} is gone`);
  if (role === 'scan') {
    const result = await catalog.scan();
    if (!result.added.includes(added.at(-1)!)) fail(`round ${round}: the scan did not add ${added.at(-1)}`);
  } else if (role === 'toggle') {
    // One photo of its own a round, starred or unstarred in turn.
    const path = photos[round % photos.length]!;
    const next = !stars.get(path);
    await (next ? catalog.star(path) : catalog.unstar(path));
    stars.set(path, next);
  } else if (role === 'star-unstar') {
    // A star and its unstar in one session (they cancel out), then a star of the next photo that stays.
    const path = photos[round % photos.length]!;
    await catalog.star(path);
    await catalog.unstar(path);
    stars.set(path, false);
    const other = photos[(round + 1) % photos.length]!;
    await catalog.star(other);
    stars.set(other, true);
  }
  await catalog.close();
}
process.stdout.write(`${JSON.stringify({ stars: Object.fromEntries(stars), added })}\n`);
