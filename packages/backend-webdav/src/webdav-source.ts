import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import {
  defineRootSource,
  destroyOnAbort,
  type EnumerateOptions,
  joinRelative,
  PhotolalaError,
  parseRootUri,
  type ReadOptions,
  type RootSource,
  readStreamPrefix,
  ServerSpellings,
  type SourceEntry,
  streamFileCounting,
  TEMP_FILE_PREFIX,
  unlessMissing,
  validateRelativePath,
  type WriteCondition,
  walkServerFolders,
} from '@photolala/core/backend';
import { createClient, type FileStat, type WebDAVClient } from 'webdav';
import { z } from 'zod';
import { BACKEND, toPhotolalaError, withRetry } from './errors.js';
import { type FolderContents, listFolder } from './folder-listing.js';

const webdavSourceOptions = z.object({
  /** `webdav://host[:port]/path`, `webdavs://...`, or the plain `http(s)://` URL of the folder. */
  url: z.string().min(1),
  username: z.string().optional(),
  password: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Attempts for requests that fail with a network error, a timeout, 5xx, 423 or 429. */
  retries: z.number().int().min(1).max(10).optional(),
  /**
   * A request whose answer (or, for a transfer, whose next bytes) does not come for this long fails,
   * and is retried; default 30 s. Without it a server that accepts and never answers hangs for good.
   */
  timeoutMs: z.number().int().positive().optional(),
  readOnly: z.boolean().optional(),
  /**
   * Whether the server enforces `If-Match`/`If-None-Match` on PUT, which `writeIfUnchanged` needs;
   * by default one PUT at open finds out (see enforcesConditions).
   */
  conditionalWrites: z.boolean().optional(),
});

export type WebdavSourceOptions = z.input<typeof webdavSourceOptions> & {
  /** A ready client (tests, custom agents); `url` still names the root. */
  client?: WebDAVClient;
};

/** How long a weak ETag may take to turn strong: Apache's second after a write, and some margin. */
const WEAK_ETAG_SETTLE_MS = 1100;

function rootUrls(url: string): { uri: string; httpUrl: string } {
  if (/^https?:\/\//i.test(url)) {
    const parsed = new URL(url);
    const secure = parsed.protocol === 'https:';
    const loc = parseRootUri(`${secure ? 'webdavs' : 'webdav'}://${parsed.host}${parsed.pathname}`);
    if (loc.scheme !== 'webdav' && loc.scheme !== 'webdavs') throw new Error('unreachable');
    return { uri: loc.uri, httpUrl: loc.url };
  }
  const loc = parseRootUri(url);
  if (loc.scheme !== 'webdav' && loc.scheme !== 'webdavs') {
    throw new PhotolalaError('INVALID_ARGUMENT', `not a WebDAV root: ${url}`, {
      backend: BACKEND,
      path: url,
    });
  }
  return { uri: loc.uri, httpUrl: loc.url };
}

/** The response body as a Node stream: the client uses node-fetch (a Node stream) or fetch (a web stream). */
function bodyStream(response: Response): Readable {
  const body = response.body as unknown;
  if (!body) return Readable.from([]);
  if (typeof (body as { getReader?: unknown }).getReader === 'function') {
    return Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  }
  return body as Readable;
}

/**
 * A `RootSource` over a WebDAV folder. Listing uses Depth 1 PROPFIND per folder (many servers refuse
 * `Depth: infinity`); heads are one ranged GET that stops reading after the bytes needed, even when
 * the server ignores Range; `writeAtomic` PUTs a temp name and MOVEs it over the target.
 */
export async function createWebdavSource(options: WebdavSourceOptions): Promise<RootSource> {
  const { client: injected, ...rest } = options;
  const parsed = webdavSourceOptions.parse(rest);
  const { uri, httpUrl } = rootUrls(parsed.url);
  const client =
    injected ??
    createClient(httpUrl, {
      ...(parsed.username !== undefined ? { username: parsed.username } : {}),
      ...(parsed.password !== undefined ? { password: parsed.password } : {}),
      ...(parsed.headers ? { headers: parsed.headers } : {}),
    });
  const attempts = parsed.retries ?? 3;
  const timeoutMs = parsed.timeoutMs ?? 30_000;
  const server = new URL(httpUrl).host;
  const remote = (rel: string) => `/${rel}`;

  /**
   * Runs one request with an abort signal that fires when nothing happened for `timeoutMs`; `touch`
   * says something did (bytes of a transfer went through). A timeout fails with an error naming the
   * server, which withRetry retries like a dropped connection. The caller's `signal` aborts it too,
   * and then it rejects with that signal's reason.
   */
  async function timed<T>(
    run: (signal: AbortSignal, touch: () => void) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await run(controller.signal, () => timer.refresh());
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (controller.signal.aborted) throw timeoutError();
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
  const timeoutError = () =>
    Object.assign(new Error(`no answer from ${server} in ${timeoutMs} ms (timed out)`), {
      name: 'TimeoutError',
    });
  /** A request with a timeout, retried with backoff when it fails in a way that may pass. */
  const request = <T>(run: (signal: AbortSignal, touch: () => void) => Promise<T>, signal?: AbortSignal) =>
    withRetry(attempts, () => timed(run, signal), signal);

  async function list(relDir: string, signal?: AbortSignal): Promise<FolderContents> {
    return request((timed) => listFolder(client, httpUrl, remote(relDir) || '/', timed), signal);
  }

  try {
    const stat = (await request((signal) => client.stat('/', { signal }))) as FileStat;
    if (stat.type !== 'directory')
      throw new PhotolalaError('INVALID_ARGUMENT', `${uri} is not a folder`, { backend: BACKEND });
  } catch (error) {
    throw toPhotolalaError(error, uri, 'open root');
  }

  /**
   * Whether the server checks `If-Match` on a PUT: many (webdav-server, rclone) ignore it and write
   * anyway, and a `writeIfUnchanged` that does not hold back would only pretend. A PUT of an empty
   * temp file that does not exist, on the condition that it has an ETag, is refused with 412 by a
   * server that checks (RFC 9110) and costs nothing more; one that writes it has the file removed.
   * Anything else (a 403 on a share the user may only read, a timeout) offers no conditional writes.
   */
  async function enforcesConditions(): Promise<boolean> {
    const probe = `${TEMP_FILE_PREFIX}probe-${randomBytes(6).toString('hex')}`;
    try {
      await timed((signal) =>
        client.putFileContents(remote(probe), Buffer.alloc(0), {
          overwrite: true,
          headers: { 'If-Match': '"photolala-probe-no-such-etag"' },
          signal,
        }),
      );
    } catch (error) {
      return (error as { status?: number }).status === 412;
    }
    // Written: the name is a temp file's, which scans skip and a later open removes once stale.
    await timed((signal) => client.deleteFile(remote(probe), { signal })).catch(() => {});
    return false;
  }
  const conditional = !parsed.readOnly && (parsed.conditionalWrites ?? (await enforcesConditions()));

  // Names as the server spells them, by NFC path: servers keep NFD names from macOS clients.
  const spellings = new ServerSpellings(async (dir) => (await list(dir)).items.map((e) => e.basename));
  const serverPath = (path: string) => spellings.resolve(validateRelativePath(path, BACKEND));

  function enumerate(options: EnumerateOptions = {}): AsyncGenerator<SourceEntry> {
    return walkServerFolders(
      {
        async list(server, folder) {
          const contents = await list(server, options.signal);
          for (const name of contents.undecodable) {
            const path = joinRelative(folder, name.normalize('NFC'));
            options.onIssue?.({
              path,
              error: new PhotolalaError(
                'INVALID_PATH',
                'the name is not valid UTF-8 on the server (shown with \uFFFD for the bytes that are not); rename it to catalog it',
                { backend: BACKEND, path },
              ),
            });
          }
          return contents.items
            .filter((item) => item.basename && !/^\.\.?$/.test(item.basename) && !item.basename.includes('/'))
            .map((item) => {
              const mtime = Date.parse(item.lastmod);
              return {
                name: item.basename,
                directory: item.type === 'directory',
                size: item.size,
                mtimeMs: Number.isFinite(mtime) ? mtime : 0,
                ...(item.etag ? { etag: item.etag.replace(/^W\//, '') } : {}),
              };
            });
        },
        listError: (error, folder) => toPhotolalaError(error, folder, 'list'),
        spellings,
      },
      options,
    );
  }

  /** The first `bytes` of a file (fewer if it is shorter), all in one timed and retried request. */
  async function getHead(
    path: string,
    headers: Record<string, string>,
    bytes: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    const stored = await serverPath(path);
    try {
      return await request(async (timed) => {
        // The client's Response type is a subset of fetch's; at run time it is fetch's own.
        const response = (await client.customRequest(remote(stored), {
          method: 'GET',
          headers,
          signal: timed,
        })) as unknown as Response;
        // At most `bytes`, then hang up: a server may ignore Range and send it all.
        return readStreamPrefix(bodyStream(response), bytes);
      }, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toPhotolalaError(error, path, 'read');
    }
  }

  async function readHead(path: string, bytes: number, options: ReadOptions = {}): Promise<Buffer> {
    if (bytes <= 0) return Buffer.alloc(0);
    const { signal } = options;
    try {
      return await getHead(path, { Range: `bytes=0-${bytes - 1}` }, bytes, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const status =
        ((error as PhotolalaError).cause as { status?: number } | undefined)?.status ??
        (error as { status?: number }).status;
      // 416: the range starts past the end, i.e. the file is empty.
      if (status === 416) return Buffer.alloc(0);
      if (status !== undefined && status !== 206) throw toPhotolalaError(error, path, 'read');
      // Some servers answer a range over an empty file with a body they never send; ask without
      // Range (readLimited still stops after `bytes`).
      try {
        return await getHead(path, {}, bytes, signal);
      } catch (retryError) {
        if (signal?.aborted) throw signal.reason;
        throw toPhotolalaError(retryError, path, 'read');
      }
    }
  }

  /**
   * The whole file as a stream. The answer is awaited with the timeout and retries; then the body
   * fails with the timeout error if no bytes come for `timeoutMs` while they are being read. The
   * caller's signal cancels the request, or the transfer, at any point.
   */
  async function readAll(path: string, options: ReadOptions = {}): Promise<Readable> {
    const { signal } = options;
    const stored = await serverPath(path);
    let controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      const response = (await withRetry(
        attempts,
        async () => {
          controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), timeoutMs);
          try {
            return await client.customRequest(remote(stored), { method: 'GET', signal: controller.signal });
          } catch (error) {
            if (signal?.aborted) throw signal.reason;
            throw controller.signal.aborted ? timeoutError() : error;
          } finally {
            clearTimeout(timer);
          }
        },
        signal,
      )) as unknown as Response;
      const body = bodyStream(response);
      const watched = new PassThrough();
      const idle = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      body.on('data', () => idle.refresh());
      // The abort destroys the body; the reader is told why.
      body.on('error', (error) =>
        watched.destroy(
          signal?.aborted ? signal.reason : toPhotolalaError(timedOut ? timeoutError() : error, path, 'read'),
        ),
      );
      watched.on('close', () => {
        clearTimeout(idle);
        body.destroy();
        signal?.removeEventListener('abort', onAbort);
      });
      body.pipe(watched);
      return destroyOnAbort(watched, signal);
    } catch (error) {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) throw signal.reason;
      throw toPhotolalaError(error, path, 'read');
    }
  }

  async function ensureFolder(serverDir: string): Promise<void> {
    if (serverDir === '') return;
    if (await request((signal) => client.exists(remote(serverDir), { signal }))) return;
    await request((signal) => client.createDirectory(remote(serverDir), { recursive: true, signal }));
  }

  async function writeAtomic(
    path: string,
    data: Uint8Array | { copyOf: string },
    onBytes?: (bytes: number) => void,
  ): Promise<void> {
    const rel = validateRelativePath(path, BACKEND);
    const target = await serverPath(rel);
    const slash = target.lastIndexOf('/');
    const dir = slash < 0 ? '' : target.slice(0, slash);
    const temp = joinRelative(dir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await ensureFolder(dir);
      // Each attempt sends the body anew (a fresh stream of the local file), so a PUT that failed
      // part way (5xx, a dropped connection, a stall) is retried like any other request.
      if ('copyOf' in data) {
        // Streamed from the local file, so a large snapshot never sits in memory.
        const { size } = await fsp.stat(data.copyOf);
        await request((signal, touch) =>
          client.putFileContents(
            remote(temp),
            streamFileCounting(data.copyOf, (bytes) => {
              touch();
              onBytes?.(bytes);
            }),
            { overwrite: true, contentLength: size, signal },
          ),
        );
      } else {
        const body = Buffer.from(data);
        await request((signal) => client.putFileContents(remote(temp), body, { overwrite: true, signal }));
      }
      await request((signal) => client.moveFile(remote(temp), remote(target), { overwrite: true, signal }));
    } catch (error) {
      await timed((signal) => client.deleteFile(remote(temp), { signal })).catch(() => {});
      throw toPhotolalaError(error, path, 'write');
    }
  }

  /**
   * A PUT with `If-Match: "<etag>"` (the ETag `stat` reported) or `If-None-Match: *`, which the server
   * checks against the file as it stands; 412 Precondition Failed is `CONFLICT`. Offered only where
   * the server was found to enforce it. The PUT replaces the file in place, not by MOVE: a reader at
   * that instant may see it part written, which the catalog survives (pointer lines are validated one
   * by one, and the next valid snapshot is used), and the pointer is a few hundred bytes.
   */
  async function writeIfUnchanged(path: string, data: Uint8Array, expected: WriteCondition): Promise<void> {
    let condition = expected;
    if ('ifMatch' in expected && expected.ifMatch.startsWith('W/')) {
      const strong = await firmETag(path, expected.ifMatch);
      // A tag that stays weak can never satisfy If-Match: written as on a server without ETags.
      if (strong === undefined) return writeAtomic(path, data);
      condition = { ifMatch: strong };
    }
    const rel = validateRelativePath(path, BACKEND);
    const target = await serverPath(rel);
    const slash = target.lastIndexOf('/');
    const headers: Record<string, string> =
      'ifMatch' in condition ? { 'If-Match': `"${condition.ifMatch}"` } : { 'If-None-Match': '*' };
    const body = Buffer.from(data);
    try {
      await ensureFolder(slash < 0 ? '' : target.slice(0, slash));
      await request((signal) =>
        client.putFileContents(remote(target), body, { overwrite: true, headers, signal }),
      );
    } catch (error) {
      throw toPhotolalaError(error, path, 'write');
    }
  }

  /**
   * The strong form of a weak ETag the file still has. Apache marks a file's ETag weak for the second
   * after it was written (its time might yet change within that second) and refuses If-Match on it,
   * and the pointer is the file most recently written when two machines publish at once; once the
   * second is past, the same tag comes back strong. So wait that second and look again: the same tag,
   * now strong, is returned; a different one means the file changed (CONFLICT); still weak, it never
   * firms up on this server (undefined).
   */
  async function firmETag(path: string, weak: string): Promise<string | undefined> {
    await new Promise((resolve) => setTimeout(resolve, WEAK_ETAG_SETTLE_MS));
    const now = (await stat(path))?.etag;
    if (now === weak.slice(2)) return now;
    if (now === weak) return undefined;
    throw new PhotolalaError(
      'CONFLICT',
      `cannot write ${JSON.stringify(path)}: it changed since it was read`,
      {
        backend: BACKEND,
        path,
      },
    );
  }

  async function remove(path: string): Promise<void> {
    const stored = await serverPath(path);
    await unlessMissing(
      () => request((signal) => client.deleteFile(remote(stored), { signal })),
      (error) => toPhotolalaError(error, path, 'remove'),
    );
  }

  async function stat(path: string): Promise<SourceEntry | undefined> {
    const rel = validateRelativePath(path, BACKEND);
    const item = (await unlessMissing(
      async () => {
        const stored = await serverPath(rel);
        return request((signal) => client.stat(remote(stored), { signal }));
      },
      (error) => toPhotolalaError(error, path, 'stat'),
    )) as FileStat | undefined;
    if (item?.type !== 'file') return undefined;
    const mtime = Date.parse(item.lastmod);
    return {
      path: rel,
      size: item.size,
      mtimeMs: Number.isFinite(mtime) ? mtime : 0,
      ...(item.etag ? { etag: item.etag } : {}),
    };
  }

  return defineRootSource(
    {
      backend: BACKEND,
      uri,
      capabilities: { etags: true, mtimeResolutionMs: 1000, remote: true },
      enumerate,
      readHead,
      readAll,
      stat,
    },
    parsed.readOnly
      ? undefined
      : {
          writeAtomic,
          writeAtomicFromFile: (path, localFile, onBytes) =>
            writeAtomic(path, { copyOf: localFile }, onBytes),
          ...(conditional ? { writeIfUnchanged } : {}),
          remove,
        },
  );
}
