import type { Readable } from 'node:stream';
import type { RootSource, SourceListing } from '../source/root-source.js';

/**
 * What a conformance test is waiting for, so that a test stopped by its timeout can say which call of
 * the source never finished: the calls under way, oldest first, by what they were asked.
 */
export class PendingCalls {
  private readonly calls = new Map<number, string>();
  private next = 0;

  /** Marks `what` as under way until the returned function is called. */
  start(what: string): () => void {
    const id = this.next++;
    this.calls.set(id, what);
    return () => {
      this.calls.delete(id);
    };
  }

  /** Runs `work` as `what`. */
  async during<T>(what: string, work: () => Promise<T>): Promise<T> {
    const done = this.start(what);
    try {
      return await work();
    } finally {
      done();
    }
  }

  describe(): string {
    return this.calls.size === 0
      ? 'no call of the source was under way'
      : [...this.calls.values()].join(', ');
  }
}

const quoted = (path: unknown) => JSON.stringify(path);

/** Calls whose first argument is a path. */
const PATH_CALLS = new Set([
  'readHead',
  'readAll',
  'writeAtomic',
  'writeAtomicFromFile',
  'writeIfUnchanged',
  'remove',
  'stat',
]);

/** `listing`, with each step it takes marked in `pending`. */
function watchedListing(listing: SourceListing, pending: PendingCalls): SourceListing {
  const watch = <T>(items: AsyncIterable<T>, what: string): AsyncIterable<T> => ({
    [Symbol.asyncIterator]() {
      const walk = items[Symbol.asyncIterator]();
      return {
        next: () => pending.during(what, () => walk.next()),
        return: async (value?: unknown) =>
          (await walk.return?.(value as never)) ?? { done: true as const, value: undefined as never },
      };
    },
  });
  const watched: SourceListing = watch(listing, 'enumerate (waiting for its next entry)');
  const { batches } = listing;
  if (batches) watched.batches = () => watch(batches.call(listing), 'enumerate (waiting for its next batch)');
  return watched;
}

/**
 * `source`, with every call it is asked (and every stream `readAll` returns, until it ends) marked in
 * `pending`. Only the methods the source has are there, as the suite reads their presence.
 */
export function watchedSource(source: RootSource, pending: PendingCalls): RootSource {
  return new Proxy(source, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      if (key === 'enumerate')
        return (...args: unknown[]) => watchedListing(value.apply(target, args) as SourceListing, pending);
      if (!PATH_CALLS.has(key) && key !== 'close') return value;
      return async (...args: unknown[]) => {
        const what = key === 'close' ? 'close()' : `${key}(${quoted(args[0])})`;
        const result = await pending.during(what, () => value.apply(target, args) as Promise<unknown>);
        if (key === 'readAll' && result && typeof (result as Readable).once === 'function') {
          const done = pending.start(`reading the stream readAll(${quoted(args[0])}) returned`);
          const stream = result as Readable;
          stream.once('close', done);
          stream.once('end', done);
          stream.once('error', done);
        }
        return result;
      };
    },
  });
}

/**
 * `work`, failed when it takes longer than `timeoutMs`, with a message that names the test and what
 * it was waiting for: enforced here, whatever the runner does with its own timeouts (node:test
 * ignores a timeout given as a third argument).
 */
export async function withinTimeout<T>(
  title: string,
  timeoutMs: number,
  pending: PendingCalls,
  work: Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${title}: timed out after ${timeoutMs} ms waiting for ${pending.describe()} (raise timeoutMs for a slow store)`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
