import { type ErrorCode, PhotolalaError } from '@photolala/core/backend';

export const BACKEND = 'smb';

/** NT status names (as the SMB2 client reports them in `code`) to the core's error codes. */
const STATUS_TO_CODE: Record<string, ErrorCode> = {
  STATUS_LOGON_FAILURE: 'AUTH_FAILED',
  STATUS_WRONG_PASSWORD: 'AUTH_FAILED',
  STATUS_ACCOUNT_DISABLED: 'AUTH_FAILED',
  STATUS_ACCOUNT_LOCKED_OUT: 'AUTH_FAILED',
  STATUS_ACCOUNT_RESTRICTION: 'AUTH_FAILED',
  STATUS_PASSWORD_EXPIRED: 'AUTH_FAILED',
  STATUS_NO_SUCH_USER: 'AUTH_FAILED',
  STATUS_BAD_NETWORK_NAME: 'NOT_FOUND',
  STATUS_BAD_NETWORK_PATH: 'NOT_FOUND',
  STATUS_OBJECT_NAME_NOT_FOUND: 'NOT_FOUND',
  STATUS_OBJECT_PATH_NOT_FOUND: 'NOT_FOUND',
  STATUS_NO_SUCH_FILE: 'NOT_FOUND',
  STATUS_NOT_FOUND: 'NOT_FOUND',
  STATUS_DELETE_PENDING: 'NOT_FOUND',
  STATUS_NOT_A_DIRECTORY: 'NOT_FOUND',
  STATUS_ACCESS_DENIED: 'PERMISSION_DENIED',
  STATUS_NETWORK_ACCESS_DENIED: 'PERMISSION_DENIED',
  STATUS_MEDIA_WRITE_PROTECTED: 'READ_ONLY',
  STATUS_OBJECT_NAME_INVALID: 'INVALID_PATH',
  STATUS_OBJECT_PATH_SYNTAX_BAD: 'INVALID_PATH',
  STATUS_FILE_IS_A_DIRECTORY: 'INVALID_PATH',
  STATUS_SHARING_VIOLATION: 'UNAVAILABLE',
  STATUS_FILE_LOCK_CONFLICT: 'UNAVAILABLE',
  STATUS_NETWORK_NAME_DELETED: 'UNAVAILABLE',
  STATUS_USER_SESSION_DELETED: 'UNAVAILABLE',
  STATUS_NETWORK_SESSION_EXPIRED: 'UNAVAILABLE',
  STATUS_INSUFFICIENT_RESOURCES: 'UNAVAILABLE',
  STATUS_DISK_FULL: 'IO',
  STATUS_NOT_SUPPORTED: 'UNSUPPORTED',
};

/** Errno values of the TCP connection itself: the server is down, unreachable or went away. */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The connection to the server failed or was lost. The SMB2 client never answers requests that were
 * in flight when its socket closed, so the connection layer fails them with this instead.
 */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
}

/** Whether a failure concerns the connection rather than the file, so a fresh connection may help. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof ConnectionLostError) return true;
  if (error instanceof PhotolalaError) return isConnectionFailure(error.cause);
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    (NETWORK_ERRNOS.has(code) ||
      code === 'STATUS_NETWORK_NAME_DELETED' ||
      code === 'STATUS_USER_SESSION_DELETED' ||
      code === 'STATUS_NETWORK_SESSION_EXPIRED')
  );
}

/** Wraps a client error into a `PhotolalaError` naming the path and what was being done. */
export function toPhotolalaError(error: unknown, path: string, action: string): PhotolalaError {
  if (error instanceof PhotolalaError) return error;
  const status = (error as { code?: unknown })?.code;
  const statusName = typeof status === 'string' ? status : undefined;
  let code: ErrorCode = 'IO';
  if (error instanceof ConnectionLostError || (statusName && NETWORK_ERRNOS.has(statusName)))
    code = 'UNAVAILABLE';
  else if (statusName && STATUS_TO_CODE[statusName]) code = STATUS_TO_CODE[statusName];
  const reason = statusName ?? (error as Error)?.message ?? String(error);
  const hint =
    code === 'AUTH_FAILED'
      ? ' (check the user name, domain and PHOTOLALA_SMB_PASSWORD)'
      : statusName === 'STATUS_BAD_NETWORK_NAME'
        ? ' (no such share on the server)'
        : statusName && NETWORK_ERRNOS.has(statusName)
          ? ' (is the server running and reachable?)'
          : '';
  const detail = error instanceof ConnectionLostError ? `: ${error.message}` : `: ${reason}`;
  return new PhotolalaError(code, `cannot ${action} ${JSON.stringify(path)}${detail}${hint}`, {
    backend: BACKEND,
    path,
    cause: error,
  });
}
