// A third party's in-memory backend, written against the published @photolala/core/backend only: the
// packaging test runs the published conformance suite against it.
import { Readable } from 'node:stream';
import {
  defineRootSource,
  PhotolalaError,
  TEMP_FILE_PREFIX,
  validateRelativePath,
} from '@photolala/core/backend';

const backend = 'memory';

export function createMemorySource(files) {
  /** path (NFC) -> { data, mtimeMs } */
  const store = new Map();
  let clock = 1_700_000_000_000;
  const put = (path, data) => {
    clock += 1000; // every write a later mtime
    store.set(path, { data: Buffer.from(data), mtimeMs: clock });
  };
  for (const file of files) put(file.path.normalize('NFC'), file.data);

  const find = (path) => {
    const key = validateRelativePath(path, backend).normalize('NFC');
    const file = store.get(key);
    if (!file)
      throw new PhotolalaError('NOT_FOUND', `no such file: ${JSON.stringify(path)}`, {
        backend,
        path,
        // The store has no native error: the cause says what was looked up.
        cause: new Error(`no key ${key}`),
      });
    return file;
  };
  const writable = {
    async writeAtomic(path, data) {
      put(validateRelativePath(path, backend).normalize('NFC'), data);
    },
    async remove(path) {
      store.delete(validateRelativePath(path, backend).normalize('NFC'));
    },
  };
  return defineRootSource(
    {
      backend,
      uri: 'memory://test',
      capabilities: { etags: false, mtimeResolutionMs: 1, remote: false },
      async *enumerate(options = {}) {
        for (const [path, file] of [...store]) {
          const segments = path.split('/');
          const name = segments.pop();
          let inside = true;
          for (let i = 0; i < segments.length && inside; i++)
            inside = options.filter?.directory(segments[i], segments.slice(0, i + 1).join('/')) ?? true;
          if (!inside || !(options.filter?.file(name, path) ?? true)) continue;
          // writeAtomic's temp files are listed only when asked for (this store writes none itself).
          if (!options.tempFiles && name.startsWith(TEMP_FILE_PREFIX)) continue;
          yield { path, size: file.data.length, mtimeMs: file.mtimeMs };
        }
      },
      async readHead(path, bytes) {
        return Buffer.from(find(path).data.subarray(0, bytes));
      },
      async readAll(path) {
        return Readable.from([find(path).data]);
      },
      async stat(path) {
        const key = validateRelativePath(path, backend).normalize('NFC');
        const file = store.get(key);
        return file && { path: key, size: file.data.length, mtimeMs: file.mtimeMs };
      },
    },
    writable,
  );
}
