import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import type { RootSource, SourceEntry } from '../src/backend.js';
import { abortableSource } from '../src/source/abortable.js';

const entry = (path: string): SourceEntry => ({ path, size: path.length, mtimeMs: 1_700_000_000_000 });

/**
 * A source whose listing yields `paths`, then, with `stallAfter`, waits forever for the next step.
 * It records the signal it was given, how many steps were asked of it and whether it was told to end.
 */
function toySource(paths: string[], stallAfter?: number) {
  const seen = { signal: undefined as AbortSignal | undefined, steps: 0, returned: false };
  const source = {
    backend: 'toy',
    enumerate(options?: { signal?: AbortSignal }): AsyncIterable<SourceEntry> {
      seen.signal = options?.signal;
      let i = 0;
      return {
        [Symbol.asyncIterator]: () => ({
          next: () => {
            seen.steps++;
            if (stallAfter !== undefined && i >= stallAfter) return new Promise(() => {});
            const path = paths[i++];
            return Promise.resolve(
              path === undefined
                ? { done: true as const, value: undefined }
                : { done: false as const, value: entry(path) },
            );
          },
          return: () => {
            seen.returned = true;
            return Promise.resolve({ done: true as const, value: undefined });
          },
        }),
      };
    },
  } as unknown as RootSource;
  return { source, seen };
}

describe('abortableSource listings', () => {
  test('yield every entry in order, with one listener on the shared signal however many steps', async () => {
    const shared = new AbortController();
    const paths = Array.from({ length: 50 }, (_, i) => `a/${String(i).padStart(3, '0')}.jpg`);
    const { source, seen } = toySource(paths);
    const listed: string[] = [];
    const listeners: number[] = [];
    for await (const found of abortableSource(source, shared.signal).enumerate()) {
      listed.push(found.path);
      listeners.push(getEventListeners(shared.signal, 'abort').length);
    }
    expect(listed).toEqual(paths);
    expect(new Set(listeners)).toEqual(new Set([1]));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(seen.signal!, 'abort')).toHaveLength(0);
    expect(seen.returned).toBe(false);
  });

  test('a step stalled in the source rejects with the reason as soon as the signal aborts', async () => {
    const shared = new AbortController();
    const { source, seen } = toySource(['a.jpg', 'b.jpg'], 2);
    const listed: string[] = [];
    const reason = new Error('stopped by the user');
    const listing = (async () => {
      for await (const found of abortableSource(source, shared.signal).enumerate()) {
        listed.push(found.path);
        if (listed.length === 2) setTimeout(() => shared.abort(reason), 10);
      }
    })();
    await expect(listing).rejects.toBe(reason);
    expect(listed).toEqual(['a.jpg', 'b.jpg']);
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.returned).toBe(true);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  test('an abort between steps asks the source for no further step', async () => {
    const shared = new AbortController();
    const { source, seen } = toySource(['a.jpg', 'b.jpg', 'c.jpg']);
    const reason = new Error('stopped');
    const listed: string[] = [];
    const listing = (async () => {
      for await (const found of abortableSource(source, shared.signal).enumerate()) {
        listed.push(found.path);
        shared.abort(reason);
      }
    })();
    await expect(listing).rejects.toBe(reason);
    expect(listed).toEqual(['a.jpg']);
    expect(seen.steps).toBe(1);
    expect(seen.returned).toBe(true);
  });

  test("batches: a source's own, passed through, and one of each entry where it has none", async () => {
    const shared = new AbortController();
    const paths = ['a/1.jpg', 'a/2.jpg', 'b/3.jpg'];
    const { source: single } = toySource(paths);
    const ones: string[][] = [];
    for await (const batch of abortableSource(single, shared.signal).enumerate().batches!())
      ones.push(batch.map((found) => found.path));
    expect(ones).toEqual([['a/1.jpg'], ['a/2.jpg'], ['b/3.jpg']]);

    let given: AbortSignal | undefined;
    const batched = {
      backend: 'toy',
      enumerate(options?: { signal?: AbortSignal }) {
        given = options?.signal;
        return {
          [Symbol.asyncIterator]: () => {
            throw new Error('iterated one by one although batches were asked for');
          },
          async *batches() {
            yield [entry('a/1.jpg'), entry('a/2.jpg')];
            yield [entry('b/3.jpg')];
          },
        };
      },
    } as unknown as RootSource;
    const groups: string[][] = [];
    for await (const batch of abortableSource(batched, shared.signal).enumerate().batches!())
      groups.push(batch.map((found) => found.path));
    expect(groups).toEqual([['a/1.jpg', 'a/2.jpg'], ['b/3.jpg']]);
    expect(given).toBeDefined();
    expect(given).not.toBe(shared.signal);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  test('a batch stalled in the source rejects with the reason as soon as the signal aborts', async () => {
    const shared = new AbortController();
    const { source, seen } = toySource(['a.jpg', 'b.jpg'], 2);
    const reason = new Error('stopped by the user');
    const listed: string[] = [];
    const listing = (async () => {
      for await (const batch of abortableSource(source, shared.signal).enumerate().batches!()) {
        listed.push(...batch.map((found) => found.path));
        if (listed.length === 2) setTimeout(() => shared.abort(reason), 10);
      }
    })();
    await expect(listing).rejects.toBe(reason);
    expect(listed).toEqual(['a.jpg', 'b.jpg']);
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.returned).toBe(true);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });
});
