import type { CacheShard } from '../cache/cache.js';
import type { CloudObjectStore } from '../cloud/sync.js';
import { PhotolalaError } from './errors.js';
import type { RootSource } from './root-source.js';
import type { RootLocation } from './root-uri.js';

/** Options a front end (the CLI, an app) passes to every backend it creates a source with. */
export interface SourceFactoryContext {
  /** Environment for credentials (`PHOTOLALA_SMB_PASSWORD`, `AWS_*`, ...). */
  env: NodeJS.ProcessEnv;
  /** Open the root read-only even where writes would be allowed. */
  readOnly?: boolean;
}

/**
 * The request timeout a front end's environment asks for, in ms: `PHOTOLALA_TIMEOUT` in seconds
 * (fractions allowed). Backends of network stores apply it to every request, each with its own
 * default when it is not set; undefined when unset, and an error when it is not a positive number.
 */
export function requestTimeoutFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.PHOTOLALA_TIMEOUT;
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new PhotolalaError(
      'INVALID_ARGUMENT',
      `PHOTOLALA_TIMEOUT must be a number of seconds, not ${JSON.stringify(text)}`,
      {
        backend: 'core',
      },
    );
  return Math.max(1, Math.round(seconds * 1000));
}

/**
 * What a backend package exports so front ends can open roots of its scheme without knowing it:
 * `export const photolalaBackend: BackendPlugin = { schemes: ['myproto'], createSource }`.
 * The CLI loads such modules lazily, by scheme (see the CLI README, "Third-party backends").
 */
export interface BackendPlugin {
  /** URI schemes served, lower case, without `://`. */
  schemes: readonly string[];
  /**
   * Cache shard for the photos of this backend's roots; `local` when absent. A third-party backend
   * may name its own (`isCacheShardName`), so that its photos are pruned and found apart.
   */
  cacheShard?: CacheShard;
  createSource(root: string, location: RootLocation, context: SourceFactoryContext): Promise<RootSource>;
  /**
   * The cloud layout's object store in one bucket of this backend's store, for cloud sync and
   * browsing a synced catalog; absent when the backend has none. `close` releases its connections.
   */
  createCloudStore?(
    bucket: string,
    context: SourceFactoryContext,
  ): Promise<{ store: CloudObjectStore; close(): void }>;
}

/**
 * Whether a loaded module's export looks like a `BackendPlugin`: `schemes` an array of strings and
 * `createSource` a function. Front ends check a plug-in with it before they call it.
 */
export function isBackendPlugin(value: unknown): value is BackendPlugin {
  const v = value as BackendPlugin | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(v.schemes) &&
    v.schemes.every((s) => typeof s === 'string') &&
    typeof v.createSource === 'function'
  );
}
