import {
  type BackendPlugin,
  configuredBackends as coreConfiguredBackends,
  loadBackend as coreLoadBackend,
  type OpenedRoot,
  openRoot,
  type SourceFactoryContext,
} from '@photolala/core';

// The registry lives in core (openRoot, loadBackend); the CLI's errors keep their `[cli]` source, and
// backend packages are imported from here so that they resolve from the CLI's own dependencies.
const CALLER = 'cli';
const importModule = (specifier: string): Promise<unknown> => import(specifier);

/**
 * Third-party backends: `PHOTOLALA_BACKENDS="scheme=module,other=module"`, where a module is a
 * package name or a path to an ES module exporting `photolalaBackend` (a `BackendPlugin`).
 * Without an entry, a scheme `foo` is looked up as the package `photolala-backend-foo`.
 */
export function configuredBackends(env: NodeJS.ProcessEnv, extra: string[] = []): Map<string, string> {
  return coreConfiguredBackends(env, extra, CALLER);
}

export type OpenedSource = OpenedRoot;

/** The plug-in serving a scheme's roots, loaded now: a PHOTOLALA_BACKENDS entry, first-party or by name. */
export function loadBackend(
  scheme: string,
  env: NodeJS.ProcessEnv,
  extraBackends: string[] = [],
): Promise<BackendPlugin> {
  return coreLoadBackend(scheme, { env, extraBackends, importModule, caller: CALLER });
}

/** Opens a ROOT with the backend its scheme names, loading that backend lazily. */
export function openSource(
  root: string,
  context: SourceFactoryContext,
  extraBackends: string[] = [],
  { offline = false }: { offline?: boolean } = {},
): Promise<OpenedSource> {
  return openRoot(root, {
    env: context.env,
    ...(context.readOnly ? { readOnly: true } : {}),
    extraBackends,
    offline,
    importModule,
    caller: CALLER,
  });
}
