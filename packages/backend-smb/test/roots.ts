import { rm } from 'node:fs/promises';
import type { RootSource } from '@photolala/core';
import { writeTempTree } from '@photolala/core/testing';
import { afterAll } from 'vitest';
import { createSmbSource, type SmbSourceOptions } from '../src/index.js';
import { type RunningSamba, type SambaShare, startSamba } from './samba.js';

type Files = { path: string; data: Uint8Array | string }[];

export interface SambaRoots {
  /** A temp folder holding the files, removed after the file's tests. */
  folder(files?: Files): Promise<string>;
  /** A private smbd serving the shares, stopped after the file's tests. */
  samba(shares: SambaShare[]): Promise<RunningSamba>;
  /** A source over a share of the server, as its user. */
  connect(server: RunningSamba, share: string, extra?: Partial<SmbSourceOptions>): Promise<RootSource>;
  /** A source over a share of its own smbd that holds exactly the files; `dispose` stops it. */
  create(files: Files): Promise<{ source: RootSource; dispose(): Promise<void> }>;
}

/** Samba servers and folders for a test file's tests, all stopped and removed after them. */
export function useSambaRoots(): SambaRoots {
  const dirs: string[] = [];
  const servers: RunningSamba[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const roots: SambaRoots = {
    async folder(files = []) {
      const dir = await writeTempTree(files, 'photolala-smb-');
      dirs.push(dir);
      return dir;
    },
    async samba(shares) {
      const server = await startSamba(shares);
      servers.push(server);
      return server;
    },
    connect: (server, share, extra = {}) =>
      createSmbSource({
        host: '127.0.0.1',
        port: server.port,
        share,
        username: server.username,
        password: server.password,
        ...extra,
      }),
    async create(files) {
      const dir = await roots.folder(files);
      const server = await roots.samba([{ name: 'photos', dir }]);
      return {
        source: await roots.connect(server, 'photos'),
        // Each root has its own smbd: stop it now rather than keep one per test until the end.
        dispose: async () => {
          await server.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  };
  return roots;
}
