import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import {
  defineRootSource,
  describeError,
  destroyOnAbort,
  type EnumerateOptions,
  PhotolalaError,
  parseRootUri,
  type ReadOptions,
  type RootSource,
  readStreamPrefix,
  type SourceEntry,
  streamFileCounting,
  TEMP_FILE_PREFIX,
  unlessMissing,
  validateRelativePath,
  type WriteCondition,
} from '@photolala/core/backend';
import { z } from 'zod';
import { BACKEND, toPhotolalaError } from './errors.js';

const s3SourceOptions = z.object({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid bucket name'),
  /** Key prefix of the root, without leading or trailing slash (`''` for the whole bucket). */
  prefix: z.string().default(''),
  region: z.string().optional(),
  /** For S3-compatible stores (MinIO, R2, Wasabi, s3rver): their endpoint URL. */
  endpoint: z.string().url().optional(),
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible stores. */
  forcePathStyle: z.boolean().optional(),
  credentials: z
    .object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() })
    .optional(),
  /**
   * `WHEN_REQUIRED` turns off the SDK's default aws-chunked CRC32 uploads and checksum validation,
   * which some S3-compatible servers store with the data or reject. Real AWS keeps the defaults.
   */
  checksums: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']).optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /** A request with no answer for this long fails (and is retried); default 60 s. */
  requestTimeoutMs: z.number().int().positive().optional(),
  readOnly: z.boolean().optional(),
});

export type S3SourceOptions = z.input<typeof s3SourceOptions> & {
  /** A ready client (custom retries, tests); region/endpoint/credentials are then ignored. */
  client?: S3Client;
};

const ignore = () => {};
const SILENT_LOGGER = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/** An S3 client from the same options `createS3Source` takes (for cloud sync and tools). */
export function createS3Client(
  options: Omit<z.input<typeof s3SourceOptions>, 'bucket' | 'prefix' | 'readOnly'>,
): S3Client {
  const parsed = s3SourceOptions.omit({ bucket: true, prefix: true, readOnly: true }).parse(options);
  const config: S3ClientConfig = {
    ...(parsed.region ? { region: parsed.region } : {}),
    ...(parsed.endpoint ? { endpoint: parsed.endpoint } : {}),
    ...(parsed.forcePathStyle !== undefined ? { forcePathStyle: parsed.forcePathStyle } : {}),
    ...(parsed.credentials ? { credentials: parsed.credentials } : {}),
    ...(parsed.maxAttempts ? { maxAttempts: parsed.maxAttempts } : {}),
    // The SDK's default logger logs nothing, except that it writes to the console whenever a request
    // with a streamed body fails; writeAtomicFromFile retries those itself and reports what is left.
    logger: SILENT_LOGGER,
    // Without a timeout a server that never answers hangs the scan; the SDK then retries with backoff.
    requestHandler: { requestTimeout: parsed.requestTimeoutMs ?? 60_000, throwOnRequestTimeout: true },
    ...(parsed.checksums
      ? { requestChecksumCalculation: parsed.checksums, responseChecksumValidation: parsed.checksums }
      : {}),
  };
  return new S3Client(config);
}

/** Checks a listed key below the prefix and returns its relative path, or why it is refused. */
export function relativeKey(key: string, prefix: string): { path: string } | { refused: string } {
  if (!key.startsWith(prefix)) return { refused: 'outside the prefix' };
  const rest = key.slice(prefix.length);
  if (rest === '' || rest.endsWith('/')) return { refused: 'a folder marker' };
  try {
    return { path: validateRelativePath(rest, BACKEND) };
  } catch (error) {
    // The rule it breaks, without the error's code and tags: it goes into a sentence of its own.
    return { refused: describeError(error, { code: false }) };
  }
}

/**
 * A `RootSource` over `s3://bucket/prefix`. An unchanged rescan costs LIST requests only (size and
 * ETag vouch for an object); a head is one ranged GET; `writeAtomic` is a single PUT, which S3 makes
 * visible all at once.
 */
export async function createS3Source(options: S3SourceOptions): Promise<RootSource> {
  const { client: injected, ...rest } = options;
  const parsed = s3SourceOptions.parse(rest);
  const prefixPath = parsed.prefix.replace(/^\/+|\/+$/g, '');
  if (prefixPath) validateRelativePath(prefixPath, BACKEND);
  const prefix = prefixPath ? `${prefixPath}/` : '';
  const uri = parseRootUri(`s3://${parsed.bucket}${prefixPath ? `/${prefixPath}` : ''}`).uri;
  const client = injected ?? createS3Client(parsed);
  const Bucket = parsed.bucket;
  // Keys as stored, by NFC path: objects uploaded from macOS may have NFD keys.
  const storedKeys = new Map<string, string>();
  const keyOf = (path: string) => {
    const rel = validateRelativePath(path, BACKEND);
    return storedKeys.get(rel) ?? `${prefix}${rel}`;
  };

  /** The names in one folder (keys and sub-folder prefixes), as stored, page by page. */
  async function* folderNames(folder: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket, Prefix: folder, Delimiter: '/', ContinuationToken: token }),
      );
      for (const sub of page.CommonPrefixes ?? []) if (sub.Prefix) yield sub.Prefix;
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Finds the stored key of a non-ASCII path that was never listed and whose key is spelt otherwise
   * (NFD), folder by folder: a folder named in NFD exists only under that spelling.
   */
  async function findStoredKey(rel: string): Promise<string | undefined> {
    const segments = rel.split('/');
    let folder = prefix;
    for (let i = 0; i < segments.length; i++) {
      const last = i === segments.length - 1;
      const wanted = `${segments[i]}${last ? '' : '/'}`;
      let found: string | undefined;
      for await (const name of folderNames(folder)) {
        if (name.slice(folder.length).normalize('NFC') === wanted) {
          found = name;
          break;
        }
      }
      if (!found) return undefined;
      folder = found;
    }
    return folder;
  }

  try {
    await client.send(new HeadBucketCommand({ Bucket }));
  } catch (error) {
    throw toPhotolalaError(error, uri, 'open bucket');
  }

  async function* enumerate(options: EnumerateOptions = {}): AsyncGenerator<SourceEntry> {
    const { filter, onIssue, signal, tempFiles } = options;
    // Folder decisions by folder path: S3 has no folders, so each key's segments are checked, once.
    const folderVerdicts = new Map<string, boolean>();
    const folderAllowed = (segments: string[]) => {
      let path = '';
      for (const segment of segments) {
        path = path ? `${path}/${segment}` : segment;
        let ok = folderVerdicts.get(path);
        if (ok === undefined) {
          ok = filter ? filter.directory(segment, path) : true;
          folderVerdicts.set(path, ok);
        }
        if (!ok) return false;
      }
      return true;
    };
    let token: string | undefined;
    do {
      if (signal?.aborted) return;
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (error) {
        // Stopped by the caller: the listing simply ends, as it does between pages.
        if (signal?.aborted) return;
        throw toPhotolalaError(error, uri, 'list');
      }
      const batch: SourceEntry[] = [];
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        const checked = relativeKey(object.Key, prefix);
        if ('refused' in checked) {
          if (checked.refused !== 'a folder marker') {
            onIssue?.({
              path: object.Key,
              error: new PhotolalaError(
                'INVALID_PATH',
                `key ${JSON.stringify(object.Key)} refused: ${checked.refused}`,
                {
                  backend: BACKEND,
                  path: object.Key,
                },
              ),
            });
          }
          continue;
        }
        // validateRelativePath answers in NFC: the key as stored is compared, so that a folder or file
        // named in NFD (macOS) is read under its own key.
        const path = checked.path;
        if (object.Key !== `${prefix}${path}`) storedKeys.set(path, object.Key);
        const segments = path.split('/');
        const name = segments.pop()!;
        if (!folderAllowed(segments)) continue;
        if (name.startsWith(TEMP_FILE_PREFIX) && !tempFiles) continue;
        if (filter && !filter.file(name, path)) continue;
        batch.push({
          path,
          size: object.Size ?? 0,
          mtimeMs: object.LastModified?.getTime() ?? 0,
          ...(object.ETag ? { etag: object.ETag.replace(/"/g, '') } : {}),
          // A single-part upload's ETag is the MD5 of the bytes: the catalog may find the photo in its
          // cache by it and skip the download. Multipart ETags (`md5-N`) never qualify.
          ...(isPlainMd5Etag(object.ETag) ? { contentMd5: object.ETag!.replace(/"/g, '') } : {}),
        });
      }
      yield* batch;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function getObject(path: string, range?: string, signal?: AbortSignal): Promise<Readable> {
    const rel = validateRelativePath(path, BACKEND);
    const get = async (Key: string) => {
      // The SDK cancels the request, and with it the body, when the signal aborts.
      const answer = await client.send(
        new GetObjectCommand({ Bucket, Key, ...(range ? { Range: range } : {}) }),
        signal ? { abortSignal: signal } : {},
      );
      return destroyOnAbort((answer.Body as Readable | undefined) ?? Readable.from([]), signal);
    };
    try {
      return await get(keyOf(rel));
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const wrapped = toPhotolalaError(error, path, 'read');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII test
      if (wrapped.code !== 'NOT_FOUND' || /^[\u0000-\u007f]*$/.test(rel)) throw wrapped;
      const stored = await findStoredKey(rel).catch(() => undefined);
      if (!stored) throw wrapped;
      storedKeys.set(rel, stored);
      try {
        return await get(stored);
      } catch (retryError) {
        if (signal?.aborted) throw signal.reason;
        throw toPhotolalaError(retryError, path, 'read');
      }
    }
  }

  async function readHead(path: string, bytes: number, options: ReadOptions = {}): Promise<Buffer> {
    if (bytes <= 0) return Buffer.alloc(0);
    const { signal } = options;
    let body: Readable;
    try {
      body = await getObject(path, `bytes=0-${bytes - 1}`, signal);
    } catch (error) {
      // An empty object has no byte 0: S3 answers 416 InvalidRange.
      if ((error as PhotolalaError).code === 'INVALID_ARGUMENT') return Buffer.alloc(0);
      throw error;
    }
    try {
      return await readStreamPrefix(body, bytes);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toPhotolalaError(error, path, 'read');
    }
  }

  async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
    const Key = keyOf(path);
    try {
      await client.send(new PutObjectCommand({ Bucket, Key, Body: data, ContentLength: data.length }));
    } catch (error) {
      throw toPhotolalaError(error, path, 'write');
    }
  }

  /**
   * A PUT with `If-Match` or `If-None-Match: *`, which S3 checks against the object as it stands
   * (since 2024); a changed object answers 412 PreconditionFailed, a race between two such PUTs 409
   * ConditionalRequestConflict: both are CONFLICT.
   */
  async function writeIfUnchanged(path: string, data: Uint8Array, expected: WriteCondition): Promise<void> {
    const Key = keyOf(path);
    const condition =
      'ifMatch' in expected ? { IfMatch: `"${expected.ifMatch}"` } : { IfNoneMatch: expected.ifNoneMatch };
    try {
      await client.send(
        new PutObjectCommand({ Bucket, Key, Body: data, ContentLength: data.length, ...condition }),
      );
    } catch (error) {
      throw toPhotolalaError(error, path, 'write');
    }
  }

  /**
   * A PUT streamed from the file: S3 replaces objects atomically, and the file stays out of memory.
   * The SDK never retries a request whose body is a stream (it cannot send it again), so each attempt
   * here opens the file anew: a PUT that fails with a 5xx, a timeout or a dropped connection is retried
   * as often as any other request of this client.
   */
  async function writeAtomicFromFile(
    path: string,
    localFile: string,
    onBytes?: (bytes: number) => void,
  ): Promise<void> {
    const Key = keyOf(path);
    const attempts = await client.config.maxAttempts();
    let delayMs = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        const { size } = await fsp.stat(localFile);
        await client.send(
          new PutObjectCommand({
            Bucket,
            Key,
            Body: streamFileCounting(localFile, onBytes),
            ContentLength: size,
          }),
        );
        return;
      } catch (error) {
        const wrapped = toPhotolalaError(error, path, 'write');
        if (attempt >= attempts || wrapped.code !== 'UNAVAILABLE') throw wrapped;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs * (0.5 + Math.random())));
      delayMs *= 4;
    }
  }

  async function remove(path: string): Promise<void> {
    await unlessMissing(
      () => client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(path) })),
      (error) => toPhotolalaError(error, path, 'remove'),
    );
  }

  async function stat(path: string): Promise<SourceEntry | undefined> {
    const rel = validateRelativePath(path, BACKEND);
    const head = await unlessMissing(
      () => client.send(new HeadObjectCommand({ Bucket, Key: keyOf(rel) })),
      (error) => toPhotolalaError(error, path, 'stat'),
    );
    return (
      head && {
        path: rel,
        size: head.ContentLength ?? 0,
        mtimeMs: head.LastModified?.getTime() ?? 0,
        ...(head.ETag ? { etag: head.ETag.replace(/"/g, '') } : {}),
      }
    );
  }

  return defineRootSource(
    {
      backend: BACKEND,
      uri,
      capabilities: { etags: true, mtimeResolutionMs: 1000, remote: true },
      enumerate,
      readHead,
      readAll: (path, options) => getObject(path, undefined, options?.signal),
      stat,
      async close() {
        if (!injected) client.destroy();
      },
    },
    parsed.readOnly ? undefined : { writeAtomic, writeAtomicFromFile, writeIfUnchanged, remove },
  );
}

/**
 * Whether an ETag is a plain MD5 of the object's bytes: single-part uploads without SSE-KMS/SSE-C
 * have a 32-hex ETag; multipart ETags end in `-{parts}` and are not content hashes.
 */
export function isPlainMd5Etag(etag: string | undefined): boolean {
  return etag !== undefined && /^[0-9a-f]{32}$/.test(etag.replace(/"/g, ''));
}
