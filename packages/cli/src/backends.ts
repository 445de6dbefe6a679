import nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type BackendPlugin,
  type CacheShard,
  isBackendPlugin,
  isPhotolalaError,
  PhotolalaError,
  parseRootUri,
  type RootSource,
  type SourceFactoryContext,
} from '@photolala/core';
import { unreachableSource } from '@photolala/core/internals';

/** First-party backend package per scheme, imported only when a root of that scheme is opened. */
const FIRST_PARTY: Record<string, string> = {
  file: '@photolala/backend-local',
  'apple-photos': '@photolala/backend-apple-photos',
  s3: '@photolala/backend-s3',
  smb: '@photolala/backend-smb',
  webdav: '@photolala/backend-webdav',
  webdavs: '@photolala/backend-webdav',
};

/**
 * Third-party backends: `PHOTOLALA_BACKENDS="scheme=module,other=module"`, where a module is a
 * package name or a path to an ES module exporting `photolalaBackend` (a `BackendPlugin`).
 * Without an entry, a scheme `foo` is looked up as the package `photolala-backend-foo`.
 */
export function configuredBackends(env: NodeJS.ProcessEnv, extra: string[] = []): Map<string, string> {
  const map = new Map<string, string>();
  const specs = [...(env.PHOTOLALA_BACKENDS ?? '').split(','), ...extra];
  for (const spec of specs) {
    const trimmed = spec.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0)
      throw new PhotolalaError(
        'INVALID_ARGUMENT',
        `bad backend mapping ${JSON.stringify(trimmed)}: expected scheme=module`,
        { backend: 'cli' },
      );
    map.set(trimmed.slice(0, eq).toLowerCase(), trimmed.slice(eq + 1));
  }
  return map;
}

async function importPlugin(specifier: string, scheme: string): Promise<BackendPlugin> {
  const target =
    /^[./]/.test(specifier) || nodePath.isAbsolute(specifier)
      ? pathToFileURL(nodePath.resolve(specifier)).href
      : specifier;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    throw new PhotolalaError(
      'UNSUPPORTED',
      missing
        ? `no backend for ${scheme}:// roots: install ${specifier} (npm install ${specifier})`
        : `cannot load the backend ${specifier}: ${(cause as Error).message}`,
      { backend: 'cli', cause },
    );
  }
  const plugin =
    mod.photolalaBackend ??
    (mod.default as Record<string, unknown> | undefined)?.photolalaBackend ??
    mod.default;
  if (!isBackendPlugin(plugin)) {
    throw new PhotolalaError('UNSUPPORTED', `${specifier} does not export a photolalaBackend plug-in`, {
      backend: 'cli',
    });
  }
  if (!plugin.schemes.includes(scheme)) {
    throw new PhotolalaError('UNSUPPORTED', `${specifier} does not serve ${scheme}:// roots`, {
      backend: 'cli',
    });
  }
  return plugin;
}

export interface OpenedSource {
  source: RootSource;
  shard: CacheShard;
}

/** The plug-in serving a scheme's roots, loaded now: a PHOTOLALA_BACKENDS entry, first-party or by name. */
export function loadBackend(
  scheme: string,
  env: NodeJS.ProcessEnv,
  extraBackends: string[] = [],
): Promise<BackendPlugin> {
  const configured = configuredBackends(env, extraBackends);
  const specifier = configured.get(scheme) ?? FIRST_PARTY[scheme] ?? `photolala-backend-${scheme}`;
  return importPlugin(specifier, scheme);
}

/** Opens a ROOT with the backend its scheme names, loading that backend lazily. */
export async function openSource(
  root: string,
  context: SourceFactoryContext,
  extraBackends: string[] = [],
  { offline = false }: { offline?: boolean } = {},
): Promise<OpenedSource> {
  const location = parseRootUri(root);
  const scheme = location.scheme === 'other' ? location.protocol : location.scheme;
  const plugin = await loadBackend(scheme, context.env, extraBackends);
  const shard = plugin.cacheShard ?? 'local';
  try {
    return { source: await plugin.createSource(root, location, context), shard };
  } catch (error) {
    // Browsing can go on from the cache mirror's copy of the catalog when the server is down.
    if (offline && isPhotolalaError(error, 'UNAVAILABLE'))
      return { source: unreachableSource(location.uri, scheme, error), shard };
    throw error;
  }
}
