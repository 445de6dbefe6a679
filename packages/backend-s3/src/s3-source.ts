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
} from '@aws-sdk/client-s3';
import {
  defineRootSource,
  destroyOnAbort,
  type EnumerateOptions,
  guardSource,
  PhotolalaError,
  parseRootUri,
  type ReadOptions,
  type RootSource,
  readStreamPrefix,
  type SourceEntry,
  streamFileCounting,
  TEMP_FILE_PREFIX,
  validateRelativePath,
  type WriteCondition,
} from '@photolala/core/backend';
import { BACKEND, s3Errors } from './errors.js';
import { createS3Client, type S3SourceOptions, s3SourceOptions } from './s3-client.js';
import { isPlainMd5Etag, relativeKey } from './s3-keys.js';

export type { S3SourceOptions };

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
  const keyOf = (rel: string) => storedKeys.get(rel) ?? `${prefix}${rel}`;

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
    throw s3Errors.wrap(error, uri, 'open bucket');
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
        throw error;
      }
      // S3 has no folders: a prefix is there when an object is under it (its folder marker at least).
      // A prefix under which there is none is a root that does not exist (a typo), as a missing folder
      // is for a file system; the bucket itself, checked when the source was made, is there empty.
      if (token === undefined && prefix !== '' && (page.Contents ?? []).length === 0)
        throw new PhotolalaError('NOT_FOUND', `no object under s3://${Bucket}/${prefix}`, {
          backend: BACKEND,
          path: '',
        });
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

  async function getObject(rel: string, range?: string, signal?: AbortSignal): Promise<Readable> {
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
      // A key never listed may be stored under another spelling (NFD): found, it is read under that.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII test
      if (signal?.aborted || s3Errors.codeOf(error) !== 'NOT_FOUND' || /^[\u0000-\u007f]*$/.test(rel))
        throw error;
      const stored = await findStoredKey(rel).catch(() => undefined);
      if (!stored) throw error;
      storedKeys.set(rel, stored);
      return await get(stored);
    }
  }

  async function readHead(rel: string, bytes: number, options: ReadOptions = {}): Promise<Buffer> {
    if (bytes <= 0) return Buffer.alloc(0);
    let body: Readable;
    try {
      body = await getObject(rel, `bytes=0-${bytes - 1}`, options.signal);
    } catch (error) {
      // An empty object has no byte 0: S3 answers 416 InvalidRange.
      if (!options.signal?.aborted && s3Errors.codeOf(error) === 'INVALID_ARGUMENT') return Buffer.alloc(0);
      throw error;
    }
    return readStreamPrefix(body, bytes);
  }

  async function writeAtomic(rel: string, data: Uint8Array): Promise<void> {
    await client.send(
      new PutObjectCommand({ Bucket, Key: keyOf(rel), Body: data, ContentLength: data.length }),
    );
  }

  /**
   * A PUT with `If-Match` or `If-None-Match: *`, which S3 checks against the object as it stands
   * (since 2024); a changed object answers 412 PreconditionFailed, a race between two such PUTs 409
   * ConditionalRequestConflict: both are CONFLICT.
   */
  async function writeIfUnchanged(rel: string, data: Uint8Array, expected: WriteCondition): Promise<void> {
    const condition =
      'ifMatch' in expected ? { IfMatch: `"${expected.ifMatch}"` } : { IfNoneMatch: expected.ifNoneMatch };
    await client.send(
      new PutObjectCommand({ Bucket, Key: keyOf(rel), Body: data, ContentLength: data.length, ...condition }),
    );
  }

  /**
   * A PUT streamed from the file: S3 replaces objects atomically, and the file stays out of memory.
   * The SDK never retries a request whose body is a stream (it cannot send it again), so each attempt
   * here opens the file anew: a PUT that fails with a 5xx, a timeout or a dropped connection is retried
   * as often as any other request of this client.
   */
  async function writeAtomicFromFile(
    rel: string,
    localFile: string,
    onBytes?: (bytes: number) => void,
  ): Promise<void> {
    const Key = keyOf(rel);
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
        if (attempt >= attempts || s3Errors.codeOf(error) !== 'UNAVAILABLE') throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs * (0.5 + Math.random())));
      delayMs *= 4;
    }
  }

  async function remove(rel: string): Promise<void> {
    await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(rel) }));
  }

  async function stat(rel: string): Promise<SourceEntry> {
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(rel) }));
    return {
      path: rel,
      size: head.ContentLength ?? 0,
      mtimeMs: head.LastModified?.getTime() ?? 0,
      ...(head.ETag ? { etag: head.ETag.replace(/"/g, '') } : {}),
    };
  }

  const source = defineRootSource(
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
  return guardSource(source, s3Errors);
}
