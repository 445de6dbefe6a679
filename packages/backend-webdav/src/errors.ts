import { setTimeout as sleep } from 'node:timers/promises';
import { type ErrorCode, PhotolalaError } from '@photolala/core/backend';

export const BACKEND = 'webdav';

/** HTTP status (as the webdav client reports it) to the core's error codes. */
export function toPhotolalaError(error: unknown, path: string, action: string): PhotolalaError {
  if (error instanceof PhotolalaError) return error;
  const status =
    (error as { status?: number; response?: { status?: number } })?.status ??
    (error as { response?: { status?: number } })?.response?.status;
  let code: ErrorCode = 'UNAVAILABLE';
  if (status === 401) code = 'AUTH_FAILED';
  else if (status === 403) code = 'PERMISSION_DENIED';
  else if (status === 404 || status === 410) code = 'NOT_FOUND';
  else if (status === 423) code = 'UNAVAILABLE';
  else if (status === 405 || status === 501) code = 'UNSUPPORTED';
  // A conditional PUT (If-Match/If-None-Match) found the file changed since it was read.
  else if (status === 412) code = 'CONFLICT';
  else if (status === 507) code = 'IO';
  else if (status !== undefined && status >= 400 && status < 500) code = 'INVALID_ARGUMENT';
  const reason = status === undefined ? ((error as Error)?.message ?? String(error)) : `HTTP ${status}`;
  const hint =
    code === 'AUTH_FAILED'
      ? ' (check the user name and PHOTOLALA_WEBDAV_PASSWORD)'
      : status === 423
        ? ' (locked)'
        : status === 412
          ? ' (changed since it was read)'
          : '';
  return new PhotolalaError(code, `cannot ${action} ${JSON.stringify(path)}: ${reason}${hint}`, {
    backend: BACKEND,
    path,
    cause: error,
  });
}

/** Whether a failed request may succeed when repeated: network errors, 5xx, 423 Locked, 429. */
export function isRetryable(error: unknown): boolean {
  const status = (error as { status?: number })?.status;
  if (status === undefined) return !(error instanceof PhotolalaError);
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
