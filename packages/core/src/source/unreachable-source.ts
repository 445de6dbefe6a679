import { describeError, PhotolalaError } from './errors.js';
import { defineRootSource, type RootSource } from './root-source.js';

/**
 * A stand-in for a root whose server cannot be reached (a plane, a NAS asleep): every read fails
 * `UNAVAILABLE` with the reason it could not be opened. A catalog opened over it loads the copy in the
 * cache mirror, so what needs only the catalog and the cache (listing, cached thumbnails, metadata)
 * still works, and anything that needs the photos says why it cannot.
 */
export function unreachableSource(uri: string, backend: string, cause: unknown): RootSource {
  const fail = (path?: string): never => {
    throw new PhotolalaError(
      'UNAVAILABLE',
      `${uri} cannot be reached: ${describeError(cause, { code: false })}`,
      {
        backend,
        ...(path !== undefined ? { path } : {}),
        cause,
      },
    );
  };
  return defineRootSource({
    backend,
    uri,
    capabilities: { etags: false, mtimeResolutionMs: 1000, remote: true },
    enumerate: () => ({
      [Symbol.asyncIterator]: () => ({ next: async () => fail() }),
    }),
    readHead: async (path) => fail(path),
    readAll: async (path) => fail(path),
    stat: async (path) => fail(path),
  });
}
