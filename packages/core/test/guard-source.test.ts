import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import {
  defineNativeErrors,
  defineRootSource,
  guardSource,
  isPhotolalaError,
  type RootSource,
} from '../src/backend.js';

const errors = defineNativeErrors({
  backend: 'toy',
  codes: { ENOENT: 'NOT_FOUND', 403: 'PERMISSION_DENIED' },
  nativeCodes: (error) => [(error as { code?: string }).code, (error as { status?: number }).status],
  hint: (code) => (code === 'PERMISSION_DENIED' ? ' (ask the owner)' : ''),
});
const errno = (code: string) => Object.assign(new Error(`${code}: no such file`), { code });

/** A store of one file, `a.jpg`, that records the paths it is asked for. */
function toyStore() {
  const asked: string[] = [];
  const missing = () => Promise.reject(errno('ENOENT'));
  const raw: RootSource = defineRootSource(
    {
      backend: 'toy',
      uri: 'toy://store',
      capabilities: { etags: false, mtimeResolutionMs: 1, remote: false },
      async *enumerate() {
        yield { path: 'a.jpg', size: 3, mtimeMs: 1 };
        throw Object.assign(new Error('forbidden'), { status: 403 });
      },
      readHead: async (path) => {
        asked.push(path);
        return path === 'a.jpg' ? Buffer.from('abc') : missing();
      },
      readAll: async (path, options) => {
        asked.push(path);
        await new Promise((resolve) => setTimeout(resolve, 50));
        options?.signal?.throwIfAborted();
        return path === 'a.jpg' ? Readable.from([Buffer.from('abc')]) : missing();
      },
      stat: async (path) => (path === 'a.jpg' ? { path, size: 3, mtimeMs: 1 } : missing()),
    },
    { writeAtomic: async () => {}, remove: async () => missing() },
  );
  return { source: guardSource(raw, errors), asked };
}

describe('guardSource', () => {
  test('a bad path is refused before the store sees it, and a good one reaches it in NFC', async () => {
    const { source, asked } = toyStore();
    for (const bad of ['../x', '/etc/passwd', 'a//b', ''])
      await expect(source.readHead(bad, 4)).rejects.toMatchObject({ code: 'INVALID_PATH', backend: 'toy' });
    await expect(source.writeAtomic?.('a/../b', new Uint8Array(1))).rejects.toMatchObject({
      code: 'INVALID_PATH',
    });
    expect(asked).toEqual([]);
    await source.readHead('Cafe\u0301.jpg', 4).catch(() => {});
    expect(asked).toEqual(['Caf\u00e9.jpg']);
  });

  test('a stray error leaves coded, with the native code as a field and the error as cause', async () => {
    const { source } = toyStore();
    const error = await source.readHead('b.jpg', 4).catch((e: unknown) => e);
    expect(isPhotolalaError(error, 'NOT_FOUND')).toBe(true);
    expect(error).toMatchObject({ nativeCode: 'ENOENT', path: 'b.jpg' });
    expect((error as Error).message).toBe('[photolala] [toy] cannot read "b.jpg": ENOENT: no such file');
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  test('an error enumerate throws is coded too, after the entries before it', async () => {
    const { source } = toyStore();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const entry of source.enumerate()) seen.push(entry.path);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a.jpg']);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', nativeCode: '403', path: 'toy://store' });
    expect((error as Error).message).toContain('(ask the owner)');
  });

  test("a listing's batches, where the source offers them, are guarded alike; absent, they stay absent", async () => {
    const { source: plain } = toyStore();
    expect(plain.enumerate().batches).toBeUndefined();
    const raw: RootSource = {
      ...plain,
      enumerate: () => ({
        async *[Symbol.asyncIterator]() {
          yield { path: 'a.jpg', size: 3, mtimeMs: 1 };
        },
        async *batches() {
          yield [
            { path: 'a.jpg', size: 3, mtimeMs: 1 },
            { path: 'b.jpg', size: 4, mtimeMs: 2 },
          ];
          throw Object.assign(new Error('forbidden'), { status: 403 });
        },
      }),
    };
    const listing = guardSource(raw, errors).enumerate();
    const seen: string[][] = [];
    const error = await (async () => {
      for await (const batch of listing.batches!()) seen.push(batch.map((entry) => entry.path));
    })().catch((e: unknown) => e);
    expect(seen).toEqual([['a.jpg', 'b.jpg']]);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', nativeCode: '403', path: 'toy://store' });
  });

  test('stat of a missing file is undefined and removing one is not an error', async () => {
    const { source } = toyStore();
    expect(await source.stat?.('b.jpg')).toBeUndefined();
    expect(await source.stat?.('a.jpg')).toEqual({ path: 'a.jpg', size: 3, mtimeMs: 1 });
    await expect(source.remove?.('b.jpg')).resolves.toBeUndefined();
  });

  test('an aborted call rejects with the signal reason, not a coded error', async () => {
    const { source } = toyStore();
    const controller = new AbortController();
    const reading = source.readAll('a.jpg', { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(reading).rejects.toThrow('stop');
    expect(isPhotolalaError(await reading.catch((e: unknown) => e))).toBe(false);
  });

  test('methods the source lacks stay absent', () => {
    const raw = { ...toyStore().source, writeAtomic: undefined, remove: undefined, stat: undefined };
    const guarded = guardSource(raw as RootSource, errors);
    expect('writeIfUnchanged' in guarded).toBe(false);
    expect(guarded.stat).toBeUndefined();
  });
});
