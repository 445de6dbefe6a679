import { rm } from 'node:fs/promises';
import { runRootSourceConformance, writeTempTree } from '@photolala/core/testing';
import { afterAll, expect, test } from 'vitest';
import { createWebdavSource } from '../src/index.js';
import { type RunningServer, startConditionalProxy, startRclone, startWebdavServer } from './servers.js';

const AUTH = { username: 'alice', password: 'wonderland' };
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

// webdav-server replaces on MOVE by deleting the target first (atomicReplace: false). rclone 1.60
// answers a GET with the old size but the new bytes when the file is replaced while the response is
// being prepared (readsDuringReplace: false); the catalog does not rely on either: snapshots are never
// replaced and are verified by MD5, and pointer lines are validated one by one. Neither server checks
// If-Match on a PUT; behind a proxy that does (as Apache mod_dav and Nextcloud do), the source offers
// writeIfUnchanged and the suite's test of it runs.
for (const [name, start, readsDuringReplace, conditional] of [
  ['webdav-server', (dir: string) => startWebdavServer(dir), true, false],
  ['rclone', (dir: string) => startRclone(dir, AUTH), false, false],
  [
    'webdav-server behind a proxy enforcing If-Match',
    (dir: string) => startWebdavServer(dir, AUTH),
    false,
    true,
  ],
  ['rclone behind a proxy enforcing If-Match', (dir: string) => startRclone(dir, AUTH), false, true],
] as const) {
  runRootSourceConformance({
    name: `webdav (${name})`,
    test,
    timeoutMs: 60_000,
    features: { atomicReplace: false, readsDuringReplace, writeProgress: true },
    createSource: async (files) => {
      const dir = await writeTempTree(files, 'photolala-dav-');
      dirs.push(dir);
      const server: RunningServer = await start(dir);
      const proxy = conditional ? await startConditionalProxy(server.url) : undefined;
      const source = await createWebdavSource({
        url: (proxy ?? server).url,
        ...(name === 'webdav-server' ? {} : AUTH),
      });
      expect(typeof source.writeIfUnchanged === 'function').toBe(conditional);
      return {
        source,
        dispose: async () => {
          await proxy?.stop();
          await server.stop();
        },
      };
    },
  });
}
