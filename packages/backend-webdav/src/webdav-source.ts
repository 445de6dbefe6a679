import {
  defineRootSource,
  type EnumerateOptions,
  guardSource,
  joinRelative,
  PhotolalaError,
  parseRootUri,
  type RootSource,
  ServerSpellings,
  type SourceEntry,
  walkServerFolders,
} from '@photolala/core/backend';
import { createClient, type FileStat, type WebDAVClient } from 'webdav';
import { z } from 'zod';
import { BACKEND, webdavErrors } from './errors.js';
import { strongETag } from './etags.js';
import { type FolderContents, listFolder } from './folder-listing.js';
import { webdavReads } from './webdav-reading.js';
import { webdavRequests } from './webdav-requests.js';
import { webdavWrites } from './webdav-writing.js';

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
   * Whether the server enforces `If-Match`/`If-None-Match` on PUT. By default one PUT before the
   * first `writeIfUnchanged` finds out (see enforcesConditions); `false` also leaves `writeIfUnchanged`
   * out, so the catalog writes the pointer unconditionally.
   */
  conditionalWrites: z.boolean().optional(),
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

/**
 * A `RootSource` over a WebDAV folder. Listing uses Depth 1 PROPFIND per folder (many servers refuse
 * `Depth: infinity`); heads are one ranged GET (see webdavReads); `writeAtomic` PUTs a temp name and
 * MOVEs it over the target (see webdavWrites).
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
  const requests = webdavRequests({
    server: new URL(httpUrl).host,
    timeoutMs: parsed.timeoutMs ?? 30_000,
    attempts: parsed.retries ?? 3,
  });
  const { request } = requests;

  async function list(relDir: string, signal?: AbortSignal): Promise<FolderContents> {
    return request((timed) => listFolder(client, httpUrl, `/${relDir}`, timed), signal);
  }

  try {
    const stat = (await request((signal) => client.stat('/', { signal }))) as FileStat;
    if (stat.type !== 'directory')
      throw new PhotolalaError('INVALID_ARGUMENT', `${uri} is not a folder`, { backend: BACKEND });
  } catch (error) {
    throw webdavErrors.wrap(error, uri, 'open root');
  }
  // Not asked at open (a PUT and a DELETE): a command that only reads must not write to the share.
  const conditional = parsed.conditionalWrites !== false;

  // Names as the server spells them, by NFC path: servers keep NFD names from macOS clients.
  const spellings = new ServerSpellings(async (dir) => (await list(dir)).items.map((e) => e.basename));
  const spelled = (rel: string) => spellings.resolve(rel);

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
                directory: item.directory,
                size: item.size,
                mtimeMs: Number.isFinite(mtime) ? mtime : 0,
                ...(item.etag ? { etag: strongETag(item.etag) } : {}),
              };
            });
        },
        listError: (error, folder) => webdavErrors.wrap(error, folder, 'list'),
        spellings,
      },
      options,
    );
  }

  async function stat(rel: string): Promise<SourceEntry | undefined> {
    const stored = await spelled(rel);
    const item = (await request((signal) => client.stat(`/${stored}`, { signal }))) as FileStat;
    if (item.type !== 'file') return undefined;
    const mtime = Date.parse(item.lastmod);
    return {
      path: rel,
      size: item.size,
      mtimeMs: Number.isFinite(mtime) ? mtime : 0,
      ...(item.etag ? { etag: item.etag } : {}),
    };
  }

  const writes = webdavWrites({
    client,
    requests,
    spelled,
    stat,
    ...(parsed.conditionalWrites !== undefined ? { conditionalWrites: parsed.conditionalWrites } : {}),
  });
  const source = defineRootSource(
    {
      backend: BACKEND,
      uri,
      capabilities: { etags: true, mtimeResolutionMs: 1000, remote: true },
      enumerate,
      ...webdavReads({ client, requests, located: async (rel) => `/${await spelled(rel)}` }),
      stat,
    },
    parsed.readOnly
      ? undefined
      : {
          writeAtomic: (rel, data) => writes.writeAtomic(rel, data),
          writeAtomicFromFile: (rel, localFile, onBytes) =>
            writes.writeAtomic(rel, { copyOf: localFile }, onBytes),
          ...(conditional ? { writeIfUnchanged: writes.writeIfUnchanged } : {}),
          remove: writes.remove,
        },
  );
  return guardSource(source, webdavErrors);
}
