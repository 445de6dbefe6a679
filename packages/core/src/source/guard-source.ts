import { type ErrorCode, isPhotolalaError, PhotolalaError } from './errors.js';
import { validateRelativePath } from './paths.js';
import type { RootSource, SourceListing } from './root-source.js';

/** What a native error is called in a backend's {@link NativeErrorMap}: an errno, NT status, HTTP status or SDK name. */
export type NativeCode = string | number;

/**
 * How a backend's store reports failures, for {@link defineNativeErrors}: a small map from the
 * store's own codes to core's codes, and where to find those codes on its errors.
 */
export interface NativeErrorMap {
  /** Backend name put on every error, e.g. `smb`. */
  backend: string;
  /** The store's codes (`ENOENT`, `STATUS_ACCESS_DENIED`, `404`, `NoSuchKey`) by the failure each means. */
  codes: Readonly<Record<string, ErrorCode>>;
  /**
   * The codes an error carries, most specific first; the first one `codes` knows decides. Default:
   * the error's `code` (a Node.js errno, or what the store's client puts there).
   */
  nativeCodes?: (error: unknown) => readonly (NativeCode | undefined)[];
  /** The code of an error none of whose codes is in `codes`. Default: `IO`. */
  otherwise?: (error: unknown, native: string | undefined) => ErrorCode;
  /** What the message says after `cannot read "path": `. Default: the error's message. */
  reason?: (error: unknown, native: string | undefined) => string;
  /** Advice added to the message, e.g. which credentials to check for AUTH_FAILED. Default: none. */
  hint?: (code: ErrorCode, error: unknown, native: string | undefined) => string;
}

/** A backend's native errors, defined once: what {@link guardSource} wraps stray errors with. */
export interface NativeErrors {
  readonly backend: string;
  /**
   * `error` as a coded `PhotolalaError` saying what failed (`cannot read "a.jpg": ...`), with the
   * store's code in `nativeCode` and the error in `cause`. A `PhotolalaError` is returned as it is.
   */
  wrap(error: unknown, path: string, action: string): PhotolalaError;
  /** The core code `error` maps to (a `PhotolalaError`'s own code as it is). */
  codeOf(error: unknown): ErrorCode;
}

const defaultNativeCodes = (error: unknown) => [(error as { code?: unknown } | null)?.code as NativeCode];
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Builds a backend's {@link NativeErrors} from its map. */
export function defineNativeErrors(map: NativeErrorMap): NativeErrors {
  const { backend, codes, nativeCodes = defaultNativeCodes } = map;
  const classify = (error: unknown): { code: ErrorCode; native: string | undefined } => {
    let first: string | undefined;
    for (const candidate of nativeCodes(error)) {
      if (candidate === undefined || candidate === '') continue;
      const native = String(candidate);
      first ??= native;
      const code = codes[native];
      if (code) return { code, native };
    }
    return { code: map.otherwise?.(error, first) ?? 'IO', native: first };
  };
  return {
    backend,
    codeOf: (error) => (isPhotolalaError(error) ? error.code : classify(error).code),
    wrap(error, path, action) {
      if (error instanceof PhotolalaError) return error;
      const { code, native } = classify(error);
      const reason = map.reason ? map.reason(error, native) : messageOf(error);
      const hint = map.hint?.(code, error, native) ?? '';
      return new PhotolalaError(code, `cannot ${action} ${JSON.stringify(path)}: ${reason}${hint}`, {
        backend,
        path,
        cause: error,
        ...(native === undefined ? {} : { nativeCode: native }),
      });
    },
  };
}

/**
 * A backend's source with core's checks around it, so that the backend writes only its store's
 * operations:
 * - every path argument is validated once (see `validateRelativePath`) before the store sees it, and
 *   the store gets it in NFC; a bad path raises `INVALID_PATH` and touches nothing;
 * - every stray error a method throws becomes a coded `PhotolalaError` through `errors`
 *   (`PhotolalaError`s pass as they are), and a call whose `signal` aborted rejects with its reason;
 * - `stat` of a missing file answers `undefined`, and `remove` of one does nothing, whatever the
 *   store says about it.
 *
 * Errors a backend raises later, inside a stream `readAll` returned or while `enumerate` reports
 * issues, are its own to wrap (with `errors.wrap`); an error `enumerate` throws is wrapped here.
 */
export function guardSource<Source extends RootSource>(source: Source, errors: NativeErrors): Source {
  /** Runs one call of the store on the validated path; what it throws leaves coded. */
  async function call<T>(
    path: string,
    action: string,
    signal: AbortSignal | undefined,
    run: (rel: string) => Promise<T>,
  ) {
    const rel = validateRelativePath(path, errors.backend);
    try {
      return await run(rel);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw errors.wrap(error, path, action);
    }
  }
  /** `call`, but a missing file is an answer (`missing`), not an error. */
  const unlessMissing = <T, M>(path: string, action: string, missing: M, run: (rel: string) => Promise<T>) =>
    call(path, action, undefined, run).catch((error: unknown) => {
      if (isPhotolalaError(error, 'NOT_FOUND')) return missing;
      throw error;
    });

  const guarded: RootSource = {
    ...source,
    enumerate(options) {
      const listing = source.enumerate(options);
      const signal = options?.signal;
      const fail = (error: unknown): never => {
        if (signal?.aborted) throw signal.reason;
        throw errors.wrap(error, source.uri, 'list');
      };
      return listingFailingWith(listing, fail);
    },
    readHead: (path, bytes, options) =>
      call(path, 'read', options?.signal, (rel) => source.readHead(rel, bytes, options)),
    readAll: (path, options) => call(path, 'read', options?.signal, (rel) => source.readAll(rel, options)),
  };
  // Only the methods the source has: its capabilities and the conformance suite read their presence.
  const raw = source as RootSource;
  if (raw.writeAtomic)
    guarded.writeAtomic = (path, data) =>
      call(path, 'write', undefined, (rel) => raw.writeAtomic!(rel, data));
  if (raw.writeAtomicFromFile)
    guarded.writeAtomicFromFile = (path, localFile, onBytes) =>
      call(path, 'write', undefined, (rel) => raw.writeAtomicFromFile!(rel, localFile, onBytes));
  if (raw.writeIfUnchanged)
    guarded.writeIfUnchanged = (path, data, expected) =>
      call(path, 'write', undefined, (rel) => raw.writeIfUnchanged!(rel, data, expected));
  if (raw.remove)
    guarded.remove = (path) => unlessMissing(path, 'remove', undefined, (rel) => raw.remove!(rel));
  if (raw.stat) guarded.stat = (path) => unlessMissing(path, 'stat', undefined, (rel) => raw.stat!(rel));
  return guarded as Source;
}

/** `listing` (its files and its batches, where it has them), with whatever a step throws passed through `fail`. */
export function listingFailingWith(listing: SourceListing, fail: (error: unknown) => never): SourceListing {
  const said: SourceListing = { [Symbol.asyncIterator]: () => failingCoded(listing, fail) };
  const { batches } = listing;
  if (batches) said.batches = () => failingCoded(batches.call(listing), fail);
  return said;
}

/** The iteration of `items`, with whatever a step throws passed through `fail`. */
function failingCoded<T>(items: AsyncIterable<T>, fail: (error: unknown) => never): AsyncIterableIterator<T> {
  const walk = items[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => walk.next().catch(fail),
    return: async (value?: unknown) => (await walk.return?.(value)) ?? { done: true, value: undefined },
  };
}
