import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPhotolalaError, openRoot, type PhotolalaError } from '@photolala/core';
import { ROOT_URI_ERROR_BACKEND } from '@photolala/core/backend';
import { afterAll, describe, expect, test } from 'vitest';
import { REPO_ROOT, tempDir, writeTree } from '../support/fs.js';

// openRoot opens a root from its URI string as the CLI does. Backends are imported from this test
// package, which depends on them, as an app passes its own import.
const importModule = (specifier: string): Promise<unknown> => import(specifier);
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<PhotolalaError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPhotolalaError(error)) throw new Error(`expected a PhotolalaError, got ${String(error)}`);
  return error;
}

describe('openRoot', () => {
  test('a file:// URI opens the local backend on that folder', async () => {
    const root = await tempDir('open-root');
    cleanup.push(root);
    await writeTree(root, { 'a/b.txt': 'hello from the root' });
    const { source, shard } = await openRoot(pathToFileURL(root).href, { env: {}, importModule });
    expect(source.backend).toBe('local');
    expect(shard).toBe('local');
    expect((await source.readHead('a/b.txt', 100)).toString()).toBe('hello from the root');
  });

  test('an unknown scheme is an UNSUPPORTED usage error naming the supported schemes, no package to install', async () => {
    const error = await failure(openRoot('nosuch://host/photos', { env: {}, importModule }));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.backend).toBe(ROOT_URI_ERROR_BACKEND);
    expect(error.message).toContain(
      'no backend for nosuch:// roots: the supported roots are file://, apple-photos://, s3://, smb://, webdav://, webdavs:// and plain paths; a third-party backend is named with PHOTOLALA_BACKENDS=nosuch=MODULE',
    );
    expect(error.message).not.toContain('photolala-backend-nosuch');
  });

  test('a plug-in mapped by PHOTOLALA_BACKENDS to a path is loaded, and a malformed mapping refused', async () => {
    const root = await tempDir('open-root-alias');
    cleanup.push(root);
    await writeTree(root, { 'x.txt': 'aliased' });
    const env = { PHOTOLALA_BACKENDS: `alias=${path.join(REPO_ROOT, 'tests/plugins/alias-backend.mjs')}` };
    const { source } = await openRoot(`alias://${root}`, { env });
    expect(source.backend).toBe('alias');
    expect((await source.readHead('x.txt', 100)).toString()).toBe('aliased');
    const bad = await failure(openRoot(`alias://${root}`, { env: { PHOTOLALA_BACKENDS: 'alias' } }));
    expect(bad.code).toBe('INVALID_ARGUMENT');
  });

  test('a mapping to a file that is not there says so, and suggests no npm install', async () => {
    const missing = path.join(REPO_ROOT, 'tests/plugins/no-such-backend.mjs');
    const error = await failure(
      openRoot('alias://somewhere', { env: { PHOTOLALA_BACKENDS: `alias=${missing}` } }),
    );
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toContain(`no backend for alias:// roots: the module ${missing} does not exist`);
    expect(error.message).not.toContain('npm install');
  });
});
