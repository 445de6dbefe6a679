import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createLocalSource } from '@photolala/backend-local';
import { type EnumerateOptions, openCatalog, type ReadOptions, type RootSource } from '@photolala/core';
import { md5Hex } from '@photolala/core/internals';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

/** A stopped scan must end within the 2 s; the bound is generous because the machine is shared. */
const STOP_BOUND_MS = 10_000;

/** Photos larger than a head (4 KiB), so that each is read whole with `readAll`. */
async function bigJpeg(seed: number): Promise<Buffer> {
  return syntheticJpeg(seed, 160, 120);
}

/**
 * The local source, but every whole read of a path starting with `slow/` never delivers a byte: a
 * stalled server. `honour` says whether those reads end when their signal aborts (a backend that
 * cancels) or never end at all (a client that cannot cancel). `signalled` counts stalled reads that
 * were given a signal which then aborted.
 */
function stallingSource(source: RootSource, honour: boolean) {
  const stats = { stalled: 0, signalled: 0 };
  const stalling = Object.assign(Object.create(source) as RootSource, {
    readAll: async (file: string, options?: ReadOptions): Promise<Readable> => {
      if (!file.startsWith('slow/')) return source.readAll(file, options);
      stats.stalled++;
      const signal = options?.signal;
      return new Promise<Readable>((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          stats.signalled++;
          if (honour) reject(signal.reason);
        });
      });
    },
  });
  return { stalling, stats };
}

async function corpus() {
  const root = await tempDir('interrupt-root');
  const cacheDir = await tempDir('interrupt-cache');
  cleanup.push(root, cacheDir);
  const files: Record<string, Buffer> = {};
  // In path order `fast/` comes first, so the fast photos are taken before the workers stall.
  for (let i = 0; i < 4; i++) files[`fast/f${i}.jpg`] = await bigJpeg(i);
  for (let i = 0; i < 12; i++) files[`slow/s${i}.jpg`] = await bigJpeg(100 + i);
  await writeTree(root, files);
  return { root, cacheDir };
}

describe('a scan stopped by its signal', () => {
  for (const honour of [true, false]) {
    test(`abandons stalled reads, saves the photos done and only those (backend ${honour ? 'cancels' : 'cannot cancel'})`, async () => {
      const { root, cacheDir } = await corpus();
      const local = await createLocalSource({ root });
      const { stalling, stats } = stallingSource(local, honour);
      const catalog = await openCatalog(stalling, { cacheDir, limits: { concurrency: 3 } });
      opened.push(catalog);
      const controller = new AbortController();
      let abortedAt = 0;
      catalog.events.on('progress', (progress) => {
        // Every fast photo digested, and the other workers waiting on stalled reads: stop.
        if (progress.phase === 'digest' && progress.digested === 4 && abortedAt === 0) {
          abortedAt = performance.now();
          controller.abort();
        }
      });
      const result = await catalog.scan({ signal: controller.signal });
      const stoppedMs = performance.now() - abortedAt;
      expect(abortedAt).toBeGreaterThan(0);
      expect(stoppedMs).toBeLessThan(STOP_BOUND_MS);
      expect(stats.stalled).toBeGreaterThan(0);
      // The reads in flight were told: a backend can cancel its requests.
      expect(stats.signalled).toBe(stats.stalled);
      expect(result.interrupted).toEqual({ remaining: 12 });
      expect(result.added).toEqual(['fast/f0.jpg', 'fast/f1.jpg', 'fast/f2.jpg', 'fast/f3.jpg']);
      expect(result.failed).toEqual([]);
      expect(result.wroteNewSnapshot).toBe(true);
      await catalog.close();

      // What was published, read back by a fresh catalog: the fast photos, with their true MD5s.
      const again = await openCatalog(await createLocalSource({ root }), { cacheDir });
      opened.push(again);
      expect(again.loadInfo.catalogMd5).toBe(result.catalogMd5);
      const rows = again.list();
      expect(rows.map((r) => r.path)).toEqual(result.added);
      for (const row of rows) {
        expect(row.status).toBe('ok');
        expect(row.photoMd5).toBe(md5Hex(await readFile(path.join(root, row.path))));
      }
      // The next scan picks up what was left, and only that.
      const rest = await again.scan();
      expect(rest.added).toHaveLength(12);
      expect(rest.added.every((p) => p.startsWith('slow/'))).toBe(true);
      expect(rest.unchanged).toBe(4);
    });
  }

  test('stopped while listing, saves nothing and rejects with the reason, without waiting on a stalled head', async () => {
    const { root, cacheDir } = await corpus();
    const local = await createLocalSource({ root });
    let started!: () => void;
    const headStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    // A status check reads every changed head through readHead: here the heads never come.
    const stalling = Object.assign(Object.create(local) as RootSource, {
      // Without the heads the local source reads along with its listing.
      enumerate: (options?: EnumerateOptions) => local.enumerate({ ...options, headBytes: undefined }),
      readHead: () => {
        started();
        return new Promise<Buffer>(() => {});
      },
    });
    const catalog = await openCatalog(stalling, { cacheDir });
    opened.push(catalog);
    const controller = new AbortController();
    const status = catalog.status({ signal: controller.signal });
    await headStarted;
    const abortedAt = performance.now();
    controller.abort(new Error('stop'));
    await expect(status).rejects.toThrow('stop');
    expect(performance.now() - abortedAt).toBeLessThan(STOP_BOUND_MS);
  });
});
