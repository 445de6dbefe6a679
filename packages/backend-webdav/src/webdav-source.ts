import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import {
  defineRootSource,
  type EnumerateOptions,
  joinRelative,
  PhotolalaError,
  parseRootUri,
  type RootSource,
  readStreamPrefix,
  ServerSpellings,
  type SourceEntry,
  streamFileCounting,
  TEMP_FILE_PREFIX,
  unlessMissing,
  validateRelativePath,
  walkServerFolders,
} from '@photolala/core';
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
  /** Attempts for idempotent requests that fail with a network error, 5xx, 423 or 429. */
  retries: z.number().int().min(1).max(10).optional(),
  readOnly: z.boolean().optional(),
});

export type WebdavSourceOptions = z.input<typeof webdavSourceOptions> & {
  /** A ready client (tests, custom agents); `url` still names the root. */
  client?: WebDAVClient;
};

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
  const remote = (rel: string) => `/${rel}`;

  async function list(relDir: string): Promise<FolderContents> {
    return withRetry(attempts, () => listFolder(client, httpUrl, remote(relDir) || '/'));
  }

  try {
    const stat = (await withRetry(attempts, () => client.stat('/'))) as FileStat;
    if (stat.type !== 'directory')
      throw new PhotolalaError('INVALID_ARGUMENT', `${uri} is not a folder`, { backend: BACKEND });
  } catch (error) {
    throw toPhotolalaError(error, uri, 'open root');
  }

  // Names as the server spells them, by NFC path: servers keep NFD names from macOS clients.
  const spellings = new ServerSpellings(async (dir) => (await list(dir)).items.map((e) => e.basename));
  const serverPath = (path: string) => spellings.resolve(validateRelativePath(path, BACKEND));

  function enumerate(options: EnumerateOptions = {}): AsyncGenerator<SourceEntry> {
    return walkServerFolders(
      {
        async list(server, folder) {
          const contents = await list(server);
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

  async function get(path: string, headers: Record<string, string>): Promise<Response> {
    const server = await serverPath(path);
    try {
      // The client's Response type is a subset of fetch's; at run time it is fetch's own.
      return (await withRetry(attempts, () =>
        client.customRequest(remote(server), { method: 'GET', headers }),
      )) as unknown as Response;
    } catch (error) {
      throw toPhotolalaError(error, path, 'read');
    }
  }

  /** Reads at most `bytes` of a response body and hangs up: a server may ignore Range and send it all. */
  const readLimited = (response: Response, bytes: number) => readStreamPrefix(bodyStream(response), bytes);

  async function readHead(path: string, bytes: number): Promise<Buffer> {
    if (bytes <= 0) return Buffer.alloc(0);
    try {
      return await readLimited(await get(path, { Range: `bytes=0-${bytes - 1}` }), bytes);
    } catch (error) {
      const status =
        ((error as PhotolalaError).cause as { status?: number } | undefined)?.status ??
        (error as { status?: number }).status;
      // 416: the range starts past the end, i.e. the file is empty.
      if (status === 416) return Buffer.alloc(0);
      if (status !== undefined && status !== 206) throw toPhotolalaError(error, path, 'read');
      // Some servers answer a range over an empty file with a body they never send; ask without
      // Range (readLimited still stops after `bytes`).
      try {
        return await readLimited(await get(path, {}), bytes);
      } catch (retryError) {
        throw toPhotolalaError(retryError, path, 'read');
      }
    }
  }

  async function readAll(path: string): Promise<Readable> {
    return bodyStream(await get(path, {}));
  }

  async function ensureFolder(serverDir: string): Promise<void> {
    if (serverDir === '') return;
    if (await client.exists(remote(serverDir))) return;
    await client.createDirectory(remote(serverDir), { recursive: true });
  }

  async function writeAtomic(
    path: string,
    data: Uint8Array | { copyOf: string },
    onBytes?: (bytes: number) => void,
  ): Promise<void> {
    const rel = validateRelativePath(path, BACKEND);
    const server = await serverPath(rel);
    const slash = server.lastIndexOf('/');
    const dir = slash < 0 ? '' : server.slice(0, slash);
    const temp = joinRelative(dir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await ensureFolder(dir);
      if ('copyOf' in data) {
        // Streamed from the local file, so a large snapshot never sits in memory.
        const { size } = await fsp.stat(data.copyOf);
        await client.putFileContents(remote(temp), streamFileCounting(data.copyOf, onBytes), {
          overwrite: true,
          contentLength: size,
        });
      } else await client.putFileContents(remote(temp), Buffer.from(data), { overwrite: true });
      await client.moveFile(remote(temp), remote(server), { overwrite: true });
    } catch (error) {
      await client.deleteFile(remote(temp)).catch(() => {});
      throw toPhotolalaError(error, path, 'write');
    }
  }

  async function remove(path: string): Promise<void> {
    const server = await serverPath(path);
    await unlessMissing(
      () => client.deleteFile(remote(server)),
      (error) => toPhotolalaError(error, path, 'remove'),
    );
  }

  async function stat(path: string): Promise<SourceEntry | undefined> {
    const rel = validateRelativePath(path, BACKEND);
    const item = (await unlessMissing(
      () => withRetry(attempts, async () => client.stat(remote(await serverPath(rel)))),
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
          remove,
        },
  );
}
