import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPhotolalaError } from '@photolala/core/backend';

/** Whether a failed request may succeed when repeated: network errors, 5xx, 423 Locked, 429. */
export function isRetryable(error: unknown): boolean {
  const status = (error as { status?: number })?.status;
  if (status === undefined) return !isPhotolalaError(error);
  return status >= 500 || status === 423 || status === 429;
}

/**
 * Runs an idempotent request with exponential backoff (100 ms, 400 ms, 1.6 s). Once `signal` aborts
 * nothing is tried again, and the wait between tries ends: it rejects with the signal's reason.
 */
export async function withRetry<T>(
  attempts: number,
  run: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= attempts || !isRetryable(error)) throw error;
      try {
        await sleep(delay, undefined, signal ? { signal } : {});
      } catch {
        throw signal?.reason;
      }
      delay *= 4;
    }
  }
}

/** The response body as a Node stream: the client uses node-fetch (a Node stream) or fetch (a web stream). */
export function bodyStream(response: Response): Readable {
  const body = response.body as unknown;
  if (!body) return Readable.from([]);
  if (typeof (body as { getReader?: unknown }).getReader === 'function') {
    return Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  }
  return body as Readable;
}

/** A request given an abort signal for its timeout, and told by `touch` when bytes went through. */
export type TimedRun<T> = (signal: AbortSignal, touch: () => void) => Promise<T>;

/** How a WebDAV source times and retries its requests. */
export function webdavRequests(options: { server: string; timeoutMs: number; attempts: number }) {
  const { server, timeoutMs, attempts } = options;
  const timeoutError = () =>
    Object.assign(new Error(`no answer from ${server} in ${timeoutMs} ms (timed out)`), {
      name: 'TimeoutError',
    });

  /**
   * Runs one request with an abort signal that fires when nothing happened for `timeoutMs`; `touch`
   * says something did (bytes of a transfer went through). A timeout fails with an error naming the
   * server, which withRetry retries like a dropped connection. The caller's `signal` aborts it too,
   * and then it rejects with that signal's reason.
   */
  async function timed<T>(run: TimedRun<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await run(controller.signal, () => timer.refresh());
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (controller.signal.aborted) throw timeoutError();
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A request with a timeout, retried with backoff when it fails in a way that may pass. */
  const request = <T>(run: TimedRun<T>, signal?: AbortSignal) =>
    withRetry(attempts, () => timed(run, signal), signal);

  return { timed, request, timeoutError, attempts, timeoutMs };
}

export type WebdavRequests = ReturnType<typeof webdavRequests>;
