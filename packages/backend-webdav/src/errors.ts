import { defineNativeErrors } from '@photolala/core/backend';

export const BACKEND = 'webdav';

/** The HTTP status of a failed request, as the webdav client reports it, or undefined when none came. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { status?: number; response?: { status?: number } } | null;
  return e?.status ?? e?.response?.status;
}

/** HTTP statuses (as the webdav client reports them) to core's codes. */
export const webdavErrors = defineNativeErrors({
  backend: BACKEND,
  codes: {
    401: 'AUTH_FAILED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    410: 'NOT_FOUND',
    423: 'UNAVAILABLE',
    405: 'UNSUPPORTED',
    501: 'UNSUPPORTED',
    // A conditional PUT (If-Match/If-None-Match) found the file changed since it was read.
    412: 'CONFLICT',
    507: 'IO',
  },
  nativeCodes: (error) => [statusOf(error)],
  // No answer (a dropped connection, a timeout) or a server error may pass; another 4xx is the request's.
  otherwise: (error) => {
    const status = statusOf(error);
    return status !== undefined && status >= 400 && status < 500 ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
  },
  reason: (error) => {
    const status = statusOf(error);
    return status === undefined ? ((error as Error)?.message ?? String(error)) : `HTTP ${status}`;
  },
  hint(code, error) {
    if (code === 'AUTH_FAILED') return ' (check the user name and PHOTOLALA_WEBDAV_PASSWORD)';
    const status = statusOf(error);
    return status === 423 ? ' (locked)' : status === 412 ? ' (changed since it was read)' : '';
  },
});
