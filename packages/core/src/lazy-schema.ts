import { createRequire } from 'node:module';
import type { z } from 'zod';

// zod's main entry loads about 200 modules (its locales among them), which cost a whole process
// about as much CPU as Node's own start-up; `list` and an unchanged `scan` check no document with
// it. It is loaded on the first check instead, through `require`: a schema such as
// `metadataDocumentSchema` is a value of the public API, usable at once, so it cannot wait for an
// asynchronous import. Core requires zod from here only, so it holds one copy of it.
const requireHere = createRequire(import.meta.url);
let zod: typeof z | undefined;

function loadZod(): typeof z {
  zod ??= (requireHere('zod') as { z: typeof z }).z;
  return zod;
}

/**
 * A zod schema built, and zod loaded, on its first use: the value stands for the schema itself
 * (`parse`, `safeParse`, `shape`, `instanceof z.ZodObject`, composition into other schemas).
 */
export function lazySchema<T extends object>(build: (zod: typeof z) => T): T {
  let schema: T | undefined;
  const built = (): T => {
    schema ??= build(loadZod());
    return schema;
  };
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(built(), key),
    set: (_, key, value) => Reflect.set(built(), key, value),
    has: (_, key) => Reflect.has(built(), key),
    ownKeys: () => Reflect.ownKeys(built()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(built(), key);
      // A proxy may not report a property its (empty) target lacks as non-configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(built()),
  });
}
