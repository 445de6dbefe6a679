import type { Readable } from 'node:stream';
import type { EnumerateOptions, RootSource, SourceEntry } from './root-source.js';

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

/** A request's own signal, aborted with the shared one; `release` when the request is done. */
interface RequestSignal {
  signal: AbortSignal;
  release(): void;
}

/**
 * Signals of their own for the many requests that share `signal`, and a single listener on it however
 * many are in flight: each request (and what a backend's client hangs on its signal, such as the AWS
 * SDK's listener per attempt) listens to its own. Every request listening on the shared signal put
 * dozens of listeners on it at once during a scan, past the ten Node warns of
 * (MaxListenersExceededWarning). The listener is there only while a request is.
 */
function requestSignals(signal: AbortSignal): () => RequestSignal {
  const live = new Set<AbortController>();
  const onAbort = () => {
    for (const controller of live) controller.abort(signal.reason);
    live.clear();
  };
  return () => {
    const controller = new AbortController();
    if (signal.aborted) {
      controller.abort(signal.reason);
      return { signal: controller.signal, release: () => {} };
    }
    if (live.size === 0) signal.addEventListener('abort', onAbort, { once: true });
    live.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        if (!live.delete(controller)) return;
        if (live.size === 0) signal.removeEventListener('abort', onAbort);
      },
    };
  };
}

/**
 * The source with `signal` given to every read and listing, and every one of them abandoned the
 * moment it aborts, whether the backend honours the signal or not: a stalled request cannot keep a
 * stopped scan waiting for its timeout. A read cut off rejects with the signal's reason, never with
 * partial bytes, so nothing half-read can be hashed or rendered. Each read and listing is given a
 * signal of its own (see requestSignals).
 */
export function abortableSource(source: RootSource, signal: AbortSignal | undefined): RootSource {
  if (!signal) return source;
  const request = requestSignals(signal);
  const reads: Pick<RootSource, 'enumerate' | 'readHead' | 'readAll'> = {
    readHead: async (path, bytes, options) => {
      const own = request();
      try {
        return await raceAbort(own.signal, source.readHead(path, bytes, { ...options, signal: own.signal }));
      } finally {
        own.release();
      }
    },
    readAll: async (path, options) => {
      const own = request();
      try {
        const reading = source.readAll(path, { ...options, signal: own.signal });
        const stream = destroyOnAbort(
          await raceAbort(own.signal, reading, (late) => late.destroy()),
          own.signal,
        );
        // The body may still be aborted while it is read: the request is done when it closes.
        stream.once('close', own.release);
        return stream;
      } catch (error) {
        own.release();
        throw error;
      }
    },
    enumerate: (options?: EnumerateOptions) => {
      const list = (own: AbortSignal) => source.enumerate({ ...options, signal: own });
      return {
        [Symbol.asyncIterator]: () => abortableListing(list, request),
        // Offered whatever the source does: the source's listing is only made once iterated, so
        // whether it has batches is not known yet. Without them each entry is a batch of one.
        batches: () =>
          abortableListing((own) => {
            const listing = list(own);
            return listing.batches ? listing.batches() : singly(listing);
          }, request),
      };
    },
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

/**
 * A listing whose every step gives up when the signal aborts; the source's walk is told to end. The
 * listing has a signal of its own from `request`, from its first step to its end. One listener per
 * listing rejects whichever step is waiting: a listener added and removed around each of 100k steps
 * (raceAbort) cost more than the unchanged rescan's lookups.
 */
async function* abortableListing<T>(
  list: (signal: AbortSignal) => AsyncIterable<T>,
  request: () => RequestSignal,
): AsyncGenerator<T> {
  const own = request();
  const iterator = list(own.signal)[Symbol.asyncIterator]();
  let rejectStep: ((reason: unknown) => void) | undefined;
  const onAbort = () => rejectStep?.(own.signal.reason);
  own.signal.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      if (own.signal.aborted) throw own.signal.reason;
      const step = await new Promise<IteratorResult<T>>((resolve, reject) => {
        rejectStep = reject;
        iterator.next().then(resolve, reject);
      });
      rejectStep = undefined;
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    own.signal.removeEventListener('abort', onAbort);
    // Not awaited: a walk stuck in a stalled request ends when that request does.
    if (!finished) iterator.return?.()?.catch(() => {});
    own.release();
  }
}

/**
 * Each entry of `listing` as a batch of its own. Not a generator: one waiting on a stalled step could
 * not pass `return` on to the listing until that step ended.
 */
function singly(listing: AsyncIterable<SourceEntry>): AsyncIterable<SourceEntry[]> {
  const entries = listing[Symbol.asyncIterator]();
  const batches: AsyncIterableIterator<SourceEntry[]> = {
    [Symbol.asyncIterator]: () => batches,
    next: async () => {
      const step = await entries.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: [step.value] };
    },
    return: async () => {
      await entries.return?.();
      return { done: true, value: undefined };
    },
  };
  return batches;
}
