import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { startSamba } from '../../packages/backend-smb/test/samba.js';
import { startWebdavServer } from '../../packages/backend-webdav/test/servers.js';
import { REPO_ROOT, tempDir } from '../support/fs.js';
import { runCli } from './run-cli.js';

// The backend trial: a root that is not there said `cannot list ""`, or a bare ENOENT, or that it had
// no catalog yet. Every backend's way of finding out ends in one sentence naming the root as given.
const cleanup: string[] = [];
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await tempDir('cli-missing-root-cache');
  cleanup.push(cacheDir);
});
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(['--cache-dir', cacheDir, ...args], env);

/** The first line of stderr, and that the failure is an exit 1 with no `cannot list`. */
function said(result: { code: number | null; stderr: string }): string {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).not.toMatch(/cannot list ""|no catalog yet/);
  return result.stderr.split('\n')[0]!;
}

describe('a root that does not exist is said to be missing, by the name the user gave it', () => {
  test.each(['scan', 'list', 'serve'])('a local folder, for %s', async (command) => {
    const result = await cli([command, 'no/such/dir']);
    expect(said(result)).toBe('error: the root no/such/dir does not exist');
    // The reason follows, indented.
    expect(result.stderr).toMatch(/\n {2}cannot open root folder ".*no\/such\/dir": ENOENT/);
  });

  test('a local folder, for serve --scan', async () => {
    const result = await cli(['serve', 'no/such/dir', '--scan', '--port', '0']);
    expect(said(result)).toBe('error: the root no/such/dir does not exist');
  });

  // serve --scan opens a root with no catalog, and found it missing only in its background scan,
  // which went on serving and warned by the root's URI.
  test.each([['scan'], ['list'], ['serve', '--scan', '--port', '0']])(
    'a third-party backend that finds out only by listing, for %s',
    async (command, ...options) => {
      const env = { PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}` };
      const result = await cli([command, 'alias:///no/such/dir', ...options], env);
      expect(said(result)).toBe('error: the root alias:///no/such/dir does not exist');
      expect(result.stderr).toContain("\n  ENOENT: no such file or directory, scandir '/no/such/dir'");
    },
  );

  test('a WebDAV folder', async () => {
    const share = await tempDir('cli-missing-dav');
    cleanup.push(share);
    const server = await startWebdavServer(share);
    try {
      const root = `${server.url}/nope`;
      for (const command of ['scan', 'list'])
        expect(said(await cli([command, root]))).toBe(`error: the root ${root} does not exist`);
      const serve = await cli(['serve', root, '--scan', '--port', '0']);
      expect(said(serve)).toBe(`error: the root ${root} does not exist`);
    } finally {
      await server.stop();
    }
  });

  test('an SMB share or folder, the password hidden', async () => {
    const share = await tempDir('cli-missing-smb');
    cleanup.push(share);
    const server = await startSamba([{ name: 'photos', dir: share }]);
    try {
      const env = { PHOTOLALA_SMB_PASSWORD: server.password };
      for (const where of ['nosuchshare', 'photos/no/folder']) {
        const root = `smb://${server.username}@127.0.0.1:${server.port}/${where}`;
        const result = await cli(['list', root], env);
        expect(said(result)).toBe(`error: the root ${root} does not exist`);
        expect(result.stderr).not.toContain(server.password);
      }
    } finally {
      await server.stop();
    }
  });

  describe('S3', () => {
    let s3: S3TestServer;
    beforeAll(async () => {
      s3 = await startS3Server(['present']);
    }, 30_000);
    afterAll(async () => {
      await s3?.stop();
    });

    test('a bucket', async () => {
      for (const command of ['scan', 'list'])
        expect(said(await cli([command, 's3://nosuchbucket/photos'], s3.cliEnv()))).toBe(
          'error: the root s3://nosuchbucket/photos does not exist',
        );
    });
  });
});
