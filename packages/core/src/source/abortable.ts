import type { Readable } from 'node:stream';
import type { EnumerateOptions, ReadOptions, RootSource, SourceEntry } from './root-source.js';

/**
 * `work`, or a rejection with the signal's reason as soon as the signal aborts, whichever comes
 * first. For a read a client cannot cancel: the caller stops waiting at once, and `drop` is given
 * the result should it still come (to destroy a stream, say), since nobody will use it.
 */
export function raceAbort<T>(
  signal: AbortSignal | undefined,
  work: Promise<T>,
  drop?: (late: T) => void,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.then(
      (late) => drop?.(late),
      () => {},
    );
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.then(
        (late) => drop?.(late),
        () => {},
      );
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) drop?.(value);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Destroys `stream` with the signal's reason when the signal aborts: whoever reads it gets that
 * error at once, even while the bytes are stalled. The listener goes when the stream closes.
 */
export function destroyOnAbort<S extends Readable>(stream: S, signal: AbortSignal | undefined): S {
  if (!signal) return stream;
  // A stream that nobody listens to any more (its reader finished or gave up) must not turn the
  // abort into an unhandled 'error' event, which ends the process: whoever still reads gets it.
  const abort = () => {
    if (stream.listenerCount('error') === 0) stream.once('error', () => {});
    stream.destroy(signal.reason);
  };
  if (signal.aborted) {
    abort();
    return stream;
  }
  const onAbort = abort;
  signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => signal.removeEventListener('abort', onAbort));
  return stream;
}

/**
 * The source with `signal` given to every read and listing, and every one of them abandoned the
 * moment it aborts, whether the backend honours the signal or not: a stalled request cannot keep a
 * stopped scan waiting for its timeout. A read cut off rejects with the signal's reason, never with
 * partial bytes, so nothing half-read can be hashed or rendered.
 */
export function abortableSource(source: RootSource, signal: AbortSignal | undefined): RootSource {
  if (!signal) return source;
  const withSignal = (options?: ReadOptions): ReadOptions => ({ ...options, signal });
  const reads: Pick<RootSource, 'enumerate' | 'readHead' | 'readAll'> = {
    readHead: (path, bytes, options) => raceAbort(signal, source.readHead(path, bytes, withSignal(options))),
    readAll: async (path, options) =>
      destroyOnAbort(
        await raceAbort(signal, source.readAll(path, withSignal(options)), (late) => late.destroy()),
        signal,
      ),
    enumerate: (options?: EnumerateOptions) =>
      abortableListing(source.enumerate({ ...options, signal }), signal),
  };
  // A proxy rather than a copy: every other member (a class's getters and methods included) is the
  // source's own, called on the source itself.
  return new Proxy(source, {
    get(target, property) {
      if (Object.hasOwn(reads, property)) return reads[property as keyof typeof reads];
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A listing whose every step gives up when the signal aborts; the source's walk is told to end. */
async function* abortableListing(
  listing: AsyncIterable<SourceEntry>,
  signal: AbortSignal,
): AsyncGenerator<SourceEntry> {
  const iterator = listing[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const step = await raceAbort(signal, iterator.next());
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // Not awaited: a walk stuck in a stalled request ends when that request does.
    if (!finished) iterator.return?.()?.catch(() => {});
  }
}
