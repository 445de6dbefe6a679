// Preloaded into the CLI with `--import` by start-up-modules.test.ts: appends every module the
// process loads to the file $PHOTOLALA_MODULE_LOG, one a line. ES modules are logged as they are
// resolved (a hook, which Node runs on its own thread); CommonJS modules, which a `require` loads
// without that hook, from `require.cache` when the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.PHOTOLALA_MODULE_LOG;
if (!log) throw new Error('record-modules.mjs needs PHOTOLALA_MODULE_LOG');

const hook = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(log, `${Object.keys(cache).join('\n')}\n`));
