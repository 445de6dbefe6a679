import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { type CatalogWarning, openCatalog, PhotolalaError, type RootSource } from '@photolala/core';
import { describe, expect, test } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { syntheticJpeg, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

async function root() {
  const dir = await tempDir('warning-codes');
  const cacheDir = await tempDir('warning-codes-cache');
  cleanup.push(dir, cacheDir);
  await writeTree(dir, { 'a.jpg': await syntheticJpeg(1) });
  return { dir, cacheDir };
}

async function warningsOf(source: RootSource, cacheDir: string, dir: string) {
  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  const warnings: CatalogWarning[] = [];
  catalog.events.on('warning', (w) => warnings.push(w));
  await catalog.scan();
  // Unchanged: not written at all, and said again in the other wording.
  await catalog.scan();
  await writeFile(path.join(dir, 'b.jpg'), await syntheticJpeg(2));
  await catalog.scan();
  return warnings;
}

describe("a read-only root's warning carries the code READ_ONLY, whichever way it is worded", () => {
  test('a root opened read-only', async () => {
    const { dir, cacheDir } = await root();
    const warnings = await warningsOf(await createLocalSource({ root: dir, readOnly: true }), cacheDir, dir);
    expect(warnings).toEqual([
      {
        message: 'the root is read-only; the catalog is kept in the cache mirror only',
        code: 'READ_ONLY',
      },
      {
        message: 'the root is read-only; the catalog is kept in the cache mirror only',
        code: 'READ_ONLY',
      },
      {
        message: 'the root is read-only; the catalog is kept in the cache mirror only',
        code: 'READ_ONLY',
      },
    ]);
  });

  test('a root whose writes the system refuses', async () => {
    const { dir, cacheDir } = await root();
    const source = await createLocalSource({ root: dir });
    const refuse = async (): Promise<never> => {
      throw new PhotolalaError('PERMISSION_DENIED', 'EACCES: permission denied, open /x/.photolala-tmp', {
        backend: 'local',
      });
    };
    const refusing: RootSource = {
      ...source,
      writeAtomic: refuse,
      writeAtomicFromFile: refuse,
      writeIfUnchanged: refuse,
    };
    const warnings = await warningsOf(refusing, cacheDir, dir);
    expect(warnings.length).toBeGreaterThan(0);
    for (const warning of warnings) {
      expect(warning.code).toBe('READ_ONLY');
      expect(warning.message).toMatch(
        /^the root .* is read-only.*; the catalog is kept in the cache mirror only$/,
      );
    }
    expect(warnings.map((w) => w.message)).toContain(
      `the root ${dir} is read-only (EACCES: permission denied); the catalog is kept in the cache mirror only`,
    );
  });

  test('other warnings carry no code', async () => {
    const { dir, cacheDir } = await root();
    const catalog = await openCatalog(await createLocalSource({ root: dir }), { cacheDir });
    opened.push(catalog);
    const warnings: CatalogWarning[] = [];
    catalog.events.on('warning', (w) => warnings.push(w));
    await catalog.scan();
    expect(warnings).toEqual([]);
  });
});
