// Unchanged rescans of a remote root that an earlier `pnpm bench --remote-files N` run left (its
// server's data directory and the catalog in the root), alternated with the bare listing, each timed
// in wall time and this process's CPU time. For profiling (`node --cpu-prof`) and for comparing two
// builds on the same root. Not a scenario: run by hand, see bench/README.md.
//   pnpm tsx remote-profile.ts s3|webdav|smb DATA_DIR CACHE_DIR [REPEATS]
// DATA_DIR: .bench-cache/s3rver-N for S3, .bench-cache/webdav-N/photos or .bench-cache/smb-N/photos.
import { cpuUsage } from 'node:process';
import { openCatalog, openRoot } from '@photolala/core';
import { BUCKET, listLoop, PREFIX, startServer } from './remote.js';
import { type Harness, smbHarness, webdavHarness } from './remote-servers.js';

const [kind, dataDir, cacheDir, repeatsText] = process.argv.slice(2);
if (!kind || !dataDir || !cacheDir)
  throw new Error('usage: remote-profile.ts s3|webdav|smb DATA_DIR CACHE_DIR [REPEATS]');
const repeats = Number(repeatsText ?? 3);

async function harnessOf(): Promise<Harness> {
  if (kind === 'webdav') return webdavHarness(dataDir!);
  if (kind === 'smb') return smbHarness(dataDir!);
  const server = await startServer(dataDir!);
  Object.assign(process.env, server.env);
  return {
    root: `s3://${BUCKET}/${PREFIX.slice(0, -1)}`,
    env: server.env,
    requests: () => server.requests(),
    listing: async () => (await listLoop(server.client)).length,
    clearCatalog: () => {},
    stop: async () => server.stop(),
  };
}

const harness = await harnessOf();
const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = cpuUsage(start);
  return Math.round((used.user + used.system) / 1000);
};
try {
  const open = async () => {
    const { source } = await openRoot(harness.root, { env: harness.env });
    return openCatalog(source, { cacheDir: cacheDir! });
  };
  // The first scan with this cache fetches the snapshot and makes it current: not timed.
  const first = await open();
  const warm = await first.scan();
  await first.close();
  process.stderr.write(`warm-up scan: ${warm.entries} entries, ${warm.added.length} added\n`);
  await harness.listing();
  await harness.requests();
  for (let i = 0; i < repeats; i++) {
    let t = performance.now();
    let cpu = cpuUsage();
    const listed = await harness.listing();
    const listing = { ms: Math.round(performance.now() - t), cpuMs: cpuMs(cpu), listed };
    const listingRequests = await harness.requests();
    const catalog = await open();
    t = performance.now();
    cpu = cpuUsage();
    const result = await catalog.scan();
    const rescan = {
      ms: Math.round(performance.now() - t),
      cpuMs: cpuMs(cpu),
      changed: result.added.length + result.changed.length + result.removed.length,
      digested: result.digested,
    };
    await catalog.close();
    const rescanRequests = await harness.requests();
    process.stdout.write(
      `${JSON.stringify({ kind, listing, rescan, ratio: +(rescan.ms / listing.ms).toFixed(2), listingRequests: listingRequests.byKind, rescanRequests: rescanRequests.byKind, photoReads: rescanRequests.photoReads })}\n`,
    );
  }
} finally {
  await harness.stop();
}
