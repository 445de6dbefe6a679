// A strict consumer of the published API: opens a root, scans it, lists, stars, reads metadata.
import { createLocalSource } from '@photolala/backend-local';
import { type CatalogEntry, isPhotolalaError, openCatalog, type ScanResult } from '@photolala/core';

export async function tour(root: string, cacheDir: string): Promise<string[]> {
  const source = await createLocalSource({ root });
  const catalog = await openCatalog(source, { cacheDir });
  try {
    const result: ScanResult = await catalog.scan();
    const entries: CatalogEntry[] = catalog.list({ kind: 'jpeg' });
    const first = entries[0];
    if (first === undefined) return [];
    const starred = await catalog.star(first.path);
    const metadataPath: string = await catalog.metadata(first.path);
    return [String(result), String(starred.starred), metadataPath];
  } catch (error) {
    if (isPhotolalaError(error, 'NOT_FOUND')) return [];
    throw error;
  } finally {
    await catalog.close();
  }
}
