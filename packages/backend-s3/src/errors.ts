import { type ErrorCode, PhotolalaError } from '@photolala/core/backend';

export const BACKEND = 's3';

const NAME_TO_CODE: Record<string, ErrorCode> = {
  NoSuchKey: 'NOT_FOUND',
  NotFound: 'NOT_FOUND',
  NoSuchBucket: 'NOT_FOUND',
  AccessDenied: 'PERMISSION_DENIED',
  Forbidden: 'PERMISSION_DENIED',
  AllAccessDisabled: 'PERMISSION_DENIED',
  InvalidAccessKeyId: 'AUTH_FAILED',
  SignatureDoesNotMatch: 'AUTH_FAILED',
  ExpiredToken: 'AUTH_FAILED',
  InvalidToken: 'AUTH_FAILED',
  CredentialsProviderError: 'AUTH_FAILED',
  InvalidRange: 'INVALID_ARGUMENT',
  PreconditionFailed: 'CONFLICT',
  ConditionalRequestConflict: 'CONFLICT',
  SlowDown: 'UNAVAILABLE',
  ServiceUnavailable: 'UNAVAILABLE',
  InternalError: 'UNAVAILABLE',
  TimeoutError: 'UNAVAILABLE',
  RequestTimeout: 'UNAVAILABLE',
};

/** Wraps an AWS SDK error (after the SDK's own retries) into the core's coded error. */
export function toPhotolalaError(error: unknown, key: string, action: string): PhotolalaError {
  if (error instanceof PhotolalaError) return error;
  const e = error as {
    name?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
    message?: string;
    code?: string;
  };
  const status = e.$metadata?.httpStatusCode;
  let code: ErrorCode | undefined = NAME_TO_CODE[e.name ?? ''] ?? NAME_TO_CODE[e.Code ?? ''];
  if (!code && status === 404) code = 'NOT_FOUND';
  if (!code && status === 403) code = 'PERMISSION_DENIED';
  if (!code && status === 412) code = 'CONFLICT';
  if (!code && (status === undefined || status >= 500)) code = 'UNAVAILABLE';
  // An answer without a body (any HEAD, such as the bucket check on open) leaves the SDK only
  // "Unknown"/"UnknownError": the HTTP status alone is then the reason.
  const named = e.name && e.name !== 'Unknown' ? e.name : undefined;
  const detail = e.message && e.message !== e.name && e.message !== 'UnknownError' ? e.message : undefined;
  const reason =
    [named, status ? `HTTP ${status}` : undefined].filter(Boolean).join(' ') + (detail ? `: ${detail}` : '');
  const hint =
    code === 'AUTH_FAILED' || status === 403
      ? ' (check the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and that they may use this bucket)'
      : '';
  return new PhotolalaError(
    code ?? 'IO',
    `cannot ${action} ${JSON.stringify(key)}: ${reason || 'Error'}${hint}`,
    {
      backend: BACKEND,
      path: key,
      cause: error,
    },
  );
}
