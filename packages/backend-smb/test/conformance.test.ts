import { rm } from 'node:fs/promises';
import { runRootSourceConformance, writeTempTree } from '@photolala/core/testing';
import { test } from 'vitest';
import { createSmbSource } from '../src/index.js';
import { startSamba } from './samba.js';

runRootSourceConformance({
  name: 'smb (Samba smbd)',
  test,
  timeoutMs: 60_000,
  features: { writeProgress: true },
  createSource: async (files) => {
    const dir = await writeTempTree(files, 'photolala-smb-');
    const server = await startSamba([{ name: 'photos', dir }]);
    const source = await createSmbSource({
      host: '127.0.0.1',
      port: server.port,
      share: 'photos',
      username: server.username,
      password: server.password,
    });
    return {
      source,
      dispose: async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});
