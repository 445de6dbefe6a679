import { defineNativeErrors, type ErrorCode, isPhotolalaError } from '@photolala/core/backend';

export const BACKEND = 'smb';

/** Errno values of the TCP connection itself: the server is down, unreachable or went away. */
const NETWORK_ERRNOS = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
];
/** NT statuses of a session the server dropped: a fresh connection may help. */
const SESSION_LOST = [
  'STATUS_NETWORK_NAME_DELETED',
  'STATUS_USER_SESSION_DELETED',
  'STATUS_NETWORK_SESSION_EXPIRED',
];

/**
 * The connection to the server failed or was lost. The SMB2 client never answers requests that were
 * in flight when its socket closed, so the connection layer fails them with this instead.
 */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
}

/** The SMB2 client's `code`: an NT status name (`STATUS_ACCESS_DENIED`) or the socket's errno. */
const clientCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Whether a failure concerns the connection rather than the file, so a fresh connection may help. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof ConnectionLostError) return true;
  if (isPhotolalaError(error)) return isConnectionFailure(error.cause);
  const code = clientCode(error);
  return code !== undefined && (NETWORK_ERRNOS.includes(code) || SESSION_LOST.includes(code));
}

const unavailable = (names: string[]) =>
  Object.fromEntries(names.map((name) => [name, 'UNAVAILABLE' as ErrorCode]));

/** NT statuses and socket errnos, as the SMB2 client reports them in `code`, to core's codes. */
export const smbErrors = defineNativeErrors({
  backend: BACKEND,
  codes: {
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
    STATUS_INSUFFICIENT_RESOURCES: 'UNAVAILABLE',
    STATUS_DISK_FULL: 'IO',
    STATUS_NOT_SUPPORTED: 'UNSUPPORTED',
    ConnectionLostError: 'UNAVAILABLE',
    ...unavailable(SESSION_LOST),
    ...unavailable(NETWORK_ERRNOS),
  },
  nativeCodes: (error) => [error instanceof ConnectionLostError ? error.name : clientCode(error)],
  reason: (error) =>
    error instanceof ConnectionLostError
      ? error.message
      : (clientCode(error) ?? (error as Error | undefined)?.message ?? String(error)),
  hint(code, error) {
    const native = clientCode(error);
    if (code === 'AUTH_FAILED') return ' (check the user name, domain and PHOTOLALA_SMB_PASSWORD)';
    if (native === 'STATUS_BAD_NETWORK_NAME') return ' (no such share on the server)';
    if (native && NETWORK_ERRNOS.includes(native)) return ' (is the server running and reachable?)';
    return '';
  },
});
