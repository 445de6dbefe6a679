/** The roots first-party backends serve, as help names them. */
const FIRST_PARTY_ROOTS = 'a folder, file://, s3://, smb://, webdav(s):// URI or .photoslibrary';

/**
 * The schemes third-party backends are mapped to for this run (`PHOTOLALA_BACKENDS`, then `--backend`
 * on the command line), read from the text alone: help loads no backend, nor the core, so that
 * `--help` and `--version` stay instant. A malformed mapping is the command's to refuse, not help's.
 */
export function mappedSchemes(env: NodeJS.ProcessEnv, argv: readonly string[]): string[] {
  const specs = (env.PHOTOLALA_BACKENDS ?? '').split(',');
  argv.forEach((arg, i) => {
    if (arg === '--backend' && argv[i + 1] !== undefined) specs.push(argv[i + 1]!);
    else if (arg.startsWith('--backend=')) specs.push(arg.slice('--backend='.length));
  });
  const schemes = specs
    .map((spec) => spec.trim())
    .filter((spec) => spec.indexOf('=') > 0)
    .map((spec) => spec.slice(0, spec.indexOf('=')).toLowerCase())
    .filter((scheme) => /^[a-z][a-z0-9+.-]*$/.test(scheme));
  return [...new Set(schemes)];
}

/**
 * What a ROOT argument may be, for help: the first-party kinds, the schemes mapped to third-party
 * backends in this run, and that any other installed backend adds its own.
 */
export function rootKinds(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
): string {
  const mapped = mappedSchemes(env, argv).map((scheme) => `${scheme}://`);
  return mapped.length > 0
    ? `${FIRST_PARTY_ROOTS}; also ${mapped.join(', ')} (PHOTOLALA_BACKENDS, --backend) and other installed backends' schemes`
    : `${FIRST_PARTY_ROOTS}; other schemes come from installed backends (PHOTOLALA_BACKENDS, --backend)`;
}
