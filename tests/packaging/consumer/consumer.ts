// A strict consumer of the published API: opens a root, scans it, lists, stars, reads metadata.
import { createLocalSource } from '@photolala/backend-local';
import {
  type CatalogEntry,
  isPhotolalaError,
  type MetadataDocument,
  openCatalog,
  type ScanResult,
} from '@photolala/core';
import { PhotolalaError, type RootSource, type WriteCondition } from '@photolala/core/backend';

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
    const document: MetadataDocument = await catalog.metadataDocument(first.path);
    const takenAt: string | null = document.takenAt;
    const latitude: number | undefined = document.gps?.latitude;
    return [String(result), String(starred.starred), metadataPath, String(takenAt), String(latitude)];
  } catch (error) {
    if (isPhotolalaError(error, 'NOT_FOUND')) return [];
    throw error;
  } finally {
    await catalog.close();
  }
}

// What a backend author writes against: the contract and the coded errors of @photolala/core/backend.
export async function writeIfAbsent(source: RootSource, path: string, data: Uint8Array): Promise<boolean> {
  const absent: WriteCondition = { ifNoneMatch: '*' };
  if (!source.writeIfUnchanged)
    throw new PhotolalaError('UNSUPPORTED', 'no conditional writes', { backend: source.backend });
  try {
    await source.writeIfUnchanged(path, data, absent);
    return true;
  } catch (error) {
    if (isPhotolalaError(error, 'CONFLICT')) return false;
    throw error;
  }
}
