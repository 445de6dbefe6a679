import { existsSync } from 'node:fs';
import nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CacheShard } from '../cache/cache.js';
import { type BackendPlugin, isBackendPlugin, type SourceFactoryContext } from './backend-plugin.js';
import { isPhotolalaError, PhotolalaError } from './errors.js';
import type { RootSource } from './root-source.js';
import { parseRootUri, ROOT_URI_ERROR_BACKEND } from './root-uri.js';
import { unreachableSource } from './unreachable-source.js';

// The core imports no backend: the first-party packages are names here, imported only when a root of
// their scheme is opened (dependency-cruiser checks that no backend is imported statically).
const FIRST_PARTY: Record<string, string> = {
  file: '@photolala/backend-local',
  'apple-photos': '@photolala/backend-apple-photos',
  s3: '@photolala/backend-s3',
  smb: '@photolala/backend-smb',
  webdav: '@photolala/backend-webdav',
  webdavs: '@photolala/backend-webdav',
};

/** How `loadBackend` and `openRoot` find a scheme's backend. */
export interface BackendRegistryOptions {
  /** Environment holding `PHOTOLALA_BACKENDS` and the backends' credentials; `process.env` if absent. */
  env?: NodeJS.ProcessEnv;
  /** More `scheme=module` mappings, taking precedence over `PHOTOLALA_BACKENDS`. */
  extraBackends?: string[];
  /**
   * Imports a backend's package by name. The default looks for it where the app installed it (beside
   * its main script, then the working directory), then beside core; pass `(name) => import(name)` from
   * your own module to resolve from that module instead.
   */
  importModule?: (specifier: string) => Promise<unknown>;
  /** The name the registry's own errors carry as their source (`[photolala] [registry] ...`). */
  caller?: string;
}

/**
 * The third-party backends an environment maps: `PHOTOLALA_BACKENDS="scheme=module,other=module"`,
 * where a module is a package name or a path to an ES module exporting `photolalaBackend` (a
 * `BackendPlugin`), followed by `extra` in the same form. Schemes are lower-cased; a malformed entry
 * is an `INVALID_ARGUMENT` error.
 */
export function configuredBackends(
  env: NodeJS.ProcessEnv,
  extra: string[] = [],
  caller = 'registry',
): Map<string, string> {
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
        { backend: caller },
      );
    map.set(trimmed.slice(0, eq).toLowerCase(), trimmed.slice(eq + 1));
  }
  return map;
}

/** The schemes served by first-party backends, as a message lists them. */
const SUPPORTED_SCHEMES = `${Object.keys(FIRST_PARTY)
  .map((s) => `${s}://`)
  .join(', ')} and plain paths`;

/**
 * Where a user of the published packages reads how to write and name a backend: the section of core's
 * README (shipped in the package) on the repository's site, as package.json's `repository` names it.
 */
export const WRITING_A_BACKEND_URL =
  'https://github.com/photolala/photolala-catalog/blob/main/packages/core/README.md#writing-a-backend';

/**
 * A scheme that no first-party backend serves and no mapping names, with no `photolala-backend-<scheme>`
 * installed: a ROOT no backend can open, so a usage error (`ROOT_URI_ERROR_BACKEND`). The message does
 * not tell the user to install that package: the name is only a convention, and anyone may publish it.
 */
function unknownScheme(scheme: string, cause: unknown): PhotolalaError {
  return new PhotolalaError(
    'UNSUPPORTED',
    `no backend for ${scheme}:// roots: the supported roots are ${SUPPORTED_SCHEMES}; a third-party backend is named with PHOTOLALA_BACKENDS=${scheme}=MODULE (see ${WRITING_A_BACKEND_URL})`,
    { backend: ROOT_URI_ERROR_BACKEND, cause },
  );
}

async function importPlugin(
  specifier: string,
  scheme: string,
  importModule: (specifier: string) => Promise<unknown>,
  caller: string,
  guessed: boolean,
): Promise<BackendPlugin> {
  const isPath = /^[./]/.test(specifier) || nodePath.isAbsolute(specifier);
  let mod: Record<string, unknown>;
  try {
    mod = (await (isPath
      ? import(pathToFileURL(nodePath.resolve(specifier)).href)
      : importModule(specifier))) as Record<string, unknown>;
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    if (missing && guessed) throw unknownScheme(scheme, cause);
    // A module that is there but imports one that is not is a broken install, said as such.
    const file = isPath ? nodePath.resolve(specifier) : undefined;
    const absent =
      missing && (file ? !existsSync(file) : (cause as Error).message.includes(`'${specifier}'`));
    throw new PhotolalaError(
      'UNSUPPORTED',
      !absent
        ? `cannot load the backend ${specifier}: ${(cause as Error).message}`
        : file
          ? `no backend for ${scheme}:// roots: the module ${file} does not exist`
          : `no backend for ${scheme}:// roots: install ${specifier} (npm install ${specifier})`,
      { backend: caller, cause },
    );
  }
  const plugin =
    mod.photolalaBackend ??
    (mod.default as Record<string, unknown> | undefined)?.photolalaBackend ??
    mod.default;
  if (!isBackendPlugin(plugin)) {
    throw new PhotolalaError('UNSUPPORTED', `${specifier} does not export a photolalaBackend plug-in`, {
      backend: caller,
    });
  }
  if (!plugin.schemes.includes(scheme)) {
    throw new PhotolalaError('UNSUPPORTED', `${specifier} does not serve ${scheme}:// roots`, {
      backend: caller,
    });
  }
  return plugin;
}

/**
 * Where an app's dependencies are found: beside its main script and in the working directory. Core's
 * own location is not enough, since package managers with an isolated layout (pnpm) let a package see
 * only its own dependencies, and no backend is one of core's.
 */
function appBases(): string[] {
  const bases: string[] = [];
  const main = process.argv[1];
  if (main && nodePath.isAbsolute(main)) bases.push(pathToFileURL(main).href);
  bases.push(pathToFileURL(`${process.cwd()}${nodePath.sep}`).href);
  return bases;
}

/**
 * Imports a package as the app would, falling back to core's location (a hoisted install). The
 * resolver is imported here, not with the core: an app that passes its own `importModule` (the CLI
 * does) never needs it.
 */
async function importFromApp(specifier: string): Promise<unknown> {
  const { resolve: resolveImport } = await import('import-meta-resolve');
  for (const base of appBases()) {
    let url: string;
    try {
      url = resolveImport(specifier, base);
    } catch {
      continue;
    }
    return import(url);
  }
  return import(specifier);
}

/**
 * The plug-in serving a scheme's roots, imported now: the module `PHOTOLALA_BACKENDS` (or
 * `extraBackends`) maps the scheme to, else the first-party `@photolala/backend-*` package, else the
 * package `photolala-backend-<scheme>` if installed. A first-party or mapped package that is not
 * installed is an `UNSUPPORTED` error whose message names it ("install @photolala/backend-s3 (npm
 * install @photolala/backend-s3)"); a scheme none of them serves is an `UNSUPPORTED` error from
 * `ROOT_URI_ERROR_BACKEND` (a usage error) listing the supported schemes.
 */
export function loadBackend(scheme: string, options: BackendRegistryOptions = {}): Promise<BackendPlugin> {
  const caller = options.caller ?? 'registry';
  const configured = configuredBackends(options.env ?? process.env, options.extraBackends, caller);
  const named = configured.get(scheme) ?? FIRST_PARTY[scheme];
  const specifier = named ?? `photolala-backend-${scheme}`;
  return importPlugin(specifier, scheme, options.importModule ?? importFromApp, caller, named === undefined);
}

/** What `openRoot` gives: the root's source and the cache shard its photos are kept in. */
export interface OpenedRoot {
  /** The root, to pass to `openCatalog`. */
  source: RootSource;
  /** The cache shard of the root's backend (`local` unless the plug-in names its own). */
  shard: CacheShard;
}

/** Options of `openRoot`: the registry's, and how to open the root. */
export interface OpenRootOptions extends BackendRegistryOptions {
  /** Open the root read-only even where writes would be allowed. */
  readOnly?: boolean;
  /**
   * When the root's server cannot be reached (`UNAVAILABLE`), give a stand-in source that fails
   * every read with that error instead of throwing, so a catalog opens from its cache mirror's copy.
   */
  offline?: boolean;
}

/**
 * Opens a root from its URI string (`/photos`, `file:///photos`, `s3://bucket/prefix`,
 * `smb://host/share/dir`, `webdav(s)://host/dir`, `apple-photos:///Library.photoslibrary`, or a
 * third-party scheme), importing its backend only now (see `loadBackend`): the same way the CLI opens
 * a ROOT argument. Errors are coded `PhotolalaError`s: `UNSUPPORTED` when no backend serves the
 * scheme (see `loadBackend`).
 */
export async function openRoot(root: string, options: OpenRootOptions = {}): Promise<OpenedRoot> {
  const env = options.env ?? process.env;
  const location = parseRootUri(root);
  const scheme = location.scheme === 'other' ? location.protocol : location.scheme;
  const plugin = await loadBackend(scheme, { ...options, env });
  const shard = plugin.cacheShard ?? 'local';
  const context: SourceFactoryContext = { env, ...(options.readOnly ? { readOnly: true } : {}) };
  try {
    return { source: await plugin.createSource(root, location, context), shard };
  } catch (error) {
    // Browsing can go on from the cache mirror's copy of the catalog when the server is down.
    if (options.offline && isPhotolalaError(error, 'UNAVAILABLE'))
      return { source: unreachableSource(location.uri, scheme, error), shard };
    throw error;
  }
}
