/** The failure classes every backend maps its native errors onto. */
export const ERROR_CODES = [
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'UNAVAILABLE',
  'INVALID_PATH',
  'INVALID_ARGUMENT',
  'AUTH_FAILED',
  'READ_ONLY',
  /** A conditional write found the file changed since it was read (see RootSource.writeIfUnchanged). */
  'CONFLICT',
  'CORRUPT',
  'UNSUPPORTED',
  'IO',
] as const;

/** One of `ERROR_CODES`: what kind of failure a `PhotolalaError` is. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where a `PhotolalaError` comes from: the backend, the path, and the native error it wraps. */
export interface PhotolalaErrorOptions {
  /** Name of the backend or subsystem that raised the error, e.g. `local`, `s3`, `catalog`. */
  backend: string;
  /** The path (relative to the root) or URI the failure concerns, when there is one. */
  path?: string;
  cause?: unknown;
  /** The store's own code for the failure (`ENOENT`, `STATUS_ACCESS_DENIED`, `404`, `NoSuchKey`), when it gave one. */
  nativeCode?: string;
}

/**
 * The mark every copy of `@photolala/core` puts on its errors. `Symbol.for` gives each copy the same
 * symbol, so an error made by a plug-in's or a test suite's own copy of core is still recognised.
 */
const ERROR_BRAND = Symbol.for('@photolala/core:PhotolalaError');

/**
 * The one error type of the project. Backends wrap their native errors into it so callers can
 * branch on `code` without knowing the storage type; the original error stays in `cause`.
 *
 * `instanceof PhotolalaError` and {@link isPhotolalaError} check a brand, not the class object: a
 * plug-in loaded by path, or `@photolala/core/testing` bundled apart, may hold another copy of this
 * class, and their errors must count the same.
 */
export class PhotolalaError extends Error {
  override readonly name = 'PhotolalaError';
  /** The failure class, one of {@link ERROR_CODES}: what callers branch on. */
  readonly code: ErrorCode;
  /** The backend or subsystem that raised it, e.g. `local`, `s3`, `catalog`. */
  readonly backend: string;
  /** The path (relative to the root) or URI the failure concerns, when there is one. */
  readonly path: string | undefined;
  /**
   * The store's own code for the failure, as data (an errno such as `ENOENT`, an NT status, an HTTP
   * status such as `404`, an SDK error name), when it gave one: for logs and for a backend that
   * branches on it, never parsed back out of the message.
   */
  readonly nativeCode: string | undefined;

  constructor(code: ErrorCode, message: string, options: PhotolalaErrorOptions) {
    super(`[photolala] [${options.backend}] ${message}`, { cause: options.cause });
    this.code = code;
    this.backend = options.backend;
    this.path = options.path;
    this.nativeCode = options.nativeCode;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // A subclass keeps plain prototype identity: only the base class is shared between copies.
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof, maybe a subclass
    if (this !== PhotolalaError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return hasBrand(value);
  }
}
Object.defineProperty(PhotolalaError.prototype, ERROR_BRAND, { value: true });

function hasBrand(value: unknown): value is PhotolalaError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [ERROR_BRAND]?: unknown })[ERROR_BRAND] === true &&
    ERROR_CODES.includes((value as PhotolalaError).code)
  );
}

/**
 * Whether `error` is a {@link PhotolalaError} (from any copy of `@photolala/core`), and when `code` is
 * given, whether it has that code.
 */
export function isPhotolalaError(error: unknown, code?: ErrorCode): error is PhotolalaError {
  return hasBrand(error) && (code === undefined || error.code === code);
}

/**
 * What `request` resolves to, or `undefined` when it fails because its file or object is not there:
 * for a stat or a delete, a missing file is an answer, not an error. `wrap` turns a failure into the
 * error the caller throws (a backend's coded error); it is what is checked for NOT_FOUND.
 */
export async function unlessMissing<T>(
  request: () => Promise<T>,
  wrap: (error: unknown) => unknown = (error) => error,
): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    const wrapped = wrap(error);
    if (isPhotolalaError(wrapped, 'NOT_FOUND')) return undefined;
    throw wrapped;
  }
}

/** Node.js system error codes (`err.code`, e.g. `ENOENT`) by the failure they mean: a local store's native-code map. */
export const SYSTEM_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  ENOENT: 'NOT_FOUND',
  ENOTDIR: 'NOT_FOUND',
  EISDIR: 'INVALID_PATH',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EROFS: 'READ_ONLY',
  ELOOP: 'INVALID_PATH',
  ENAMETOOLONG: 'INVALID_PATH',
  EIO: 'IO',
  ETIMEDOUT: 'UNAVAILABLE',
  ECONNREFUSED: 'UNAVAILABLE',
  ECONNRESET: 'UNAVAILABLE',
  EHOSTUNREACH: 'UNAVAILABLE',
  ENOTCONN: 'UNAVAILABLE',
  ESTALE: 'UNAVAILABLE',
};

/** Wraps a Node.js system error (`err.code` like `ENOENT`) into a {@link PhotolalaError}. */
export function fromSystemError(
  error: unknown,
  backend: string,
  path: string,
  action: string,
): PhotolalaError {
  if (error instanceof PhotolalaError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const code = SYSTEM_ERROR_CODES[errno] ?? 'IO';
  const reason = error instanceof Error ? error.message : String(error);
  return new PhotolalaError(code, `cannot ${action} ${JSON.stringify(path)}: ${reason}`, {
    backend,
    path,
    cause: error,
    ...(errno ? { nativeCode: errno } : {}),
  });
}

/** Failure classes that say nothing about the file's bytes: the same file may well read next time. */
const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set([
  'UNAVAILABLE',
  'IO',
  'PERMISSION_DENIED',
  'AUTH_FAILED',
  'NOT_FOUND',
]);

/**
 * Whether a failure names a passing condition (a dropped connection, a permission since fixed)
 * rather than bad content, so a scan should try the file again even though its size and mtime did
 * not change. Given the failure's code, or the `PhotolalaError` itself (from any copy of core): the
 * code as data, never read back out of a message, which may be reworded. Anything else is no
 * transient failure.
 */
export function isTransientFailure(failure: ErrorCode | PhotolalaError | null | undefined): boolean {
  const code = isPhotolalaError(failure) ? failure.code : failure;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

/**
 * The non-empty lines of an error's message, trimmed: the first alone is what a one-line failure
 * reason can hold.
 */
function messageLines(error: unknown): string[] {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split(/\r?\n/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return lines.length > 0 ? lines : [error instanceof Error ? error.name : 'unknown error'];
}

/** How {@link describeError} words an error. */
export interface DescribeErrorOptions {
  /** Start with the PhotolalaError's code (`NOT_FOUND: ...`). Default true. */
  code?: boolean;
  /**
   * Every line of the message, joined by newlines, for a front end that shows a failure on several
   * lines (a server's reason or a cause is often on the second). Default: the first line only.
   */
  allLines?: boolean;
}

/**
 * "CODE: message" for a PhotolalaError, else the message, on one line: a failure reason is stored in
 * a catalog row and printed as one line of a scan's report. With `code: false`, the message alone,
 * for a sentence of the caller's own; with `allLines`, all of its lines.
 */
export function describeError(
  error: unknown,
  { code = true, allLines = false }: DescribeErrorOptions = {},
): string {
  const lines = messageLines(error);
  const text = allLines ? lines.join('\n') : lines[0]!;
  if (!(error instanceof PhotolalaError)) return text;
  const message = text.replace(/^\[photolala\] \[[^\]]*\] /, '');
  return code ? `${error.code}: ${message}` : message;
}
