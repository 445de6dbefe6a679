import { defineNativeErrors } from '@photolala/core/backend';

export const BACKEND = 's3';

/** What an AWS SDK error says: its name (or the XML `Code`) and the HTTP status of the answer. */
interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}
const statusOf = (error: unknown) => (error as SdkError | null)?.$metadata?.httpStatusCode;

/** AWS SDK errors (after the SDK's own retries), by error name first and HTTP status second. */
export const s3Errors = defineNativeErrors({
  backend: BACKEND,
  codes: {
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
    404: 'NOT_FOUND',
    403: 'PERMISSION_DENIED',
    412: 'CONFLICT',
  },
  nativeCodes: (error) => [(error as SdkError).name, (error as SdkError).Code, statusOf(error)],
  // No answer at all (a dropped connection) or a server error: it may pass.
  otherwise: (error) => {
    const status = statusOf(error);
    return status === undefined || status >= 500 ? 'UNAVAILABLE' : 'IO';
  },
  reason(error) {
    const { name, message } = (error ?? {}) as SdkError;
    const status = statusOf(error);
    // An answer without a body (any HEAD, such as the bucket check on open) leaves the SDK only
    // "Unknown"/"UnknownError": the HTTP status alone is then the reason.
    const named = name && name !== 'Unknown' ? name : undefined;
    const detail = message && message !== name && message !== 'UnknownError' ? message : undefined;
    const reason =
      [named, status ? `HTTP ${status}` : undefined].filter(Boolean).join(' ') +
      (detail ? `: ${detail}` : '');
    return reason || 'Error';
  },
  hint: (code, error) => {
    if (code === 'AUTH_FAILED' || statusOf(error) === 403)
      return ' (check the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and that they may use this bucket)';
    // The SDK finds no region in the environment or the profile before it sends anything.
    if (/\bregion (is missing|not accepted)/i.test((error as SdkError | null)?.message ?? ''))
      return " (set AWS_REGION to the bucket's region, or a region in the AWS_PROFILE's config)";
    return '';
  },
});
