import { rm } from 'node:fs/promises';
import type { RootSource } from '@photolala/core';
import { type ConformanceOptions, writeTempTree } from '@photolala/core/testing';
import { afterAll } from 'vitest';
import { createWebdavSource } from '../src/index.js';
import { type RunningServer, startConditionalProxy, startRclone, startWebdavServer } from './servers.js';

export const AUTH = { username: 'alice', password: 'wonderland' };

type Files = { path: string; data: Uint8Array | string }[];

/** A WebDAV server the conformance suite runs against, and what it does that the catalog does not rely on. */
export interface WebdavServerSetup {
  name: string;
  start(dir: string): Promise<RunningServer>;
  auth: boolean;
  /** Behind a proxy that enforces If-Match on a PUT, as Apache mod_dav and Nextcloud do. */
  conditional: boolean;
  quirks: ConformanceOptions['features'];
}

// webdav-server replaces on MOVE by deleting the target first (atomicReplace: false). rclone 1.60
// answers a GET with the old size but the new bytes when the file is replaced while the response is
// being prepared (readsDuringReplace: false); the catalog does not rely on either: snapshots are never
// replaced and are verified by MD5, and pointer lines are validated one by one. Neither server checks
// If-Match on a PUT; behind a proxy that does, the source offers writeIfUnchanged and the suite's
// test of it runs.
export const CONFORMANCE_SERVERS: WebdavServerSetup[] = [
  {
    name: 'webdav-server',
    start: (dir) => startWebdavServer(dir),
    auth: false,
    conditional: false,
    quirks: { atomicReplace: false },
  },
  {
    name: 'rclone',
    start: (dir) => startRclone(dir, AUTH),
    auth: true,
    conditional: false,
    quirks: { atomicReplace: false, readsDuringReplace: false },
  },
  {
    name: 'webdav-server behind a proxy enforcing If-Match',
    start: (dir) => startWebdavServer(dir, AUTH),
    auth: true,
    conditional: true,
    quirks: { atomicReplace: false, readsDuringReplace: false },
  },
  {
    name: 'rclone behind a proxy enforcing If-Match',
    start: (dir) => startRclone(dir, AUTH),
    auth: true,
    conditional: true,
    quirks: { atomicReplace: false, readsDuringReplace: false },
  },
];

export interface WebdavRoots {
  /** A temp folder holding the files, removed after the file's tests. */
  folder(files?: Files): Promise<string>;
  /** A source over a server of its own (behind its proxy, if any) that holds exactly the files. */
  create(files: Files, setup: WebdavServerSetup): Promise<{ source: RootSource; dispose(): Promise<void> }>;
}

/** Folders for a test file's tests, removed after them, and roots served by one of the setups. */
export function useWebdavRoots(): WebdavRoots {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const roots: WebdavRoots = {
    async folder(files = []) {
      const dir = await writeTempTree(files, 'photolala-dav-');
      dirs.push(dir);
      return dir;
    },
    async create(files, setup) {
      const server = await setup.start(await roots.folder(files));
      const proxy = setup.conditional ? await startConditionalProxy(server.url) : undefined;
      const source = await createWebdavSource({ url: (proxy ?? server).url, ...(setup.auth ? AUTH : {}) });
      return {
        source,
        dispose: async () => {
          await proxy?.stop();
          await server.stop();
        },
      };
    },
  };
  return roots;
}
