import {
  defineRootSource,
  type EnumerateOptions,
  guardSource,
  PhotolalaError,
  parseRootUri,
  type RootSource,
  type SourceEntry,
  validateRelativePath,
  walkServerFolders,
} from '@photolala/core/backend';
import { z } from 'zod';
import { BACKEND, isConnectionFailure, smbErrors } from './errors.js';
import { SmbConnection } from './smb-connection.js';
import { smbReads } from './smb-reading.js';
import { ATTRIBUTE, fileTimeMs, isFolder, SmbShare, uint64 } from './smb-share.js';
import { smbWrites } from './smb-writing.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const SHARE_NAME = /^[^\\/:*?"<>|\u0000-\u001f]+$/;
/** Separators and control characters: a name the server sends with one of these is not used. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const BAD_NAME_CHARACTER = /[\\/\u0000-\u001f]/;

const smbSourceOptions = z.object({
  host: z
    .string()
    .min(1)
    .regex(/^[^\\/\s]+$/, 'a host name or address, without slashes'),
  port: z.number().int().min(1).max(65535).default(445),
  share: z.string().min(1).regex(SHARE_NAME, 'a share name, without slashes'),
  /** The root folder inside the share, `/`-separated; empty for the share itself. */
  path: z.string().default(''),
  domain: z.string().default('WORKGROUP'),
  username: z.string().min(1),
  password: z.string(),
  /** SMB2 requests in flight at once on the one connection. */
  maxInFlight: z.number().int().min(1).max(64).default(8),
  /** A request without an answer in this time fails and the connection is reopened. */
  timeoutMs: z.number().int().min(100).default(30_000),
  readOnly: z.boolean().default(false),
});

export type SmbSourceOptions = z.input<typeof smbSourceOptions>;

/**
 * A `RootSource` over a folder in an SMB2/3 share, spoken to directly (no mount). One connection is
 * shared by all calls, with at most `maxInFlight` requests outstanding; when the server drops it,
 * the next call connects again and idempotent calls are retried once. Listing reads no file data;
 * heads are one READ of the first bytes; `writeAtomic` writes a temp name and renames it over the
 * target. Files and folders the server marks hidden or system are left out when a filter is given.
 */
export async function createSmbSource(options: SmbSourceOptions): Promise<RootSource> {
  const parsed = smbSourceOptions.parse(options);
  const rootPath = parsed.path.replace(/^\/+|\/+$/g, '');
  if (rootPath !== '') validateRelativePath(rootPath, BACKEND);
  const location = parseRootUri(
    `smb://${parsed.host}:${parsed.port}/${[parsed.share, ...(rootPath ? rootPath.split('/') : [])]
      .map(encodeURIComponent)
      .join('/')}`,
  );
  const uri = location.uri;
  const connection = new SmbConnection({
    host: parsed.host,
    port: parsed.port,
    share: parsed.share,
    domain: parsed.domain,
    username: parsed.username,
    password: parsed.password,
    maxInFlight: parsed.maxInFlight,
    timeoutMs: parsed.timeoutMs,
  });
  const share = new SmbShare(connection, rootPath);

  try {
    const root = await share.retrying(() => share.open(share.onShare('')));
    await share.closeHandle(root);
    if (!isFolder(root))
      throw new PhotolalaError('INVALID_ARGUMENT', `${uri} is not a folder`, { backend: BACKEND, path: uri });
  } catch (error) {
    await connection.close();
    throw smbErrors.wrap(error, uri, 'open root');
  }

  function enumerate(options: EnumerateOptions = {}): AsyncGenerator<SourceEntry> {
    return walkServerFolders(
      {
        list: async (server) =>
          (await share.retrying(() => share.listFolder(share.onShare(server))))
            .filter(
              (entry) =>
                entry.Filename && !/^\.\.?$/.test(entry.Filename) && !BAD_NAME_CHARACTER.test(entry.Filename),
            )
            .map((entry) => ({
              name: entry.Filename,
              directory: (entry.FileAttributes & ATTRIBUTE.directory) !== 0,
              hidden: (entry.FileAttributes & (ATTRIBUTE.hidden | ATTRIBUTE.system)) !== 0,
              size: uint64(entry.EndofFile),
              mtimeMs: fileTimeMs(entry.LastWriteTime),
            })),
        listError: (error, folder) => smbErrors.wrap(error, folder, 'list'),
        isFatal: isConnectionFailure,
        spellings: share.spellings,
      },
      options,
    );
  }

  async function stat(rel: string): Promise<SourceEntry | undefined> {
    const file = await share.retrying(async () => share.open(await share.toServer(rel)));
    await share.closeHandle(file);
    if (isFolder(file)) return undefined;
    return { path: rel, size: uint64(file.EndofFile), mtimeMs: fileTimeMs(file.LastWriteTime) };
  }

  const source = defineRootSource(
    {
      backend: BACKEND,
      uri,
      // SMB2 carries 100 ns timestamps; what the server's file system keeps decides the rest.
      capabilities: { etags: false, mtimeResolutionMs: 1, remote: true },
      enumerate,
      ...smbReads(share),
      stat,
      close: () => connection.close(),
    },
    parsed.readOnly ? undefined : smbWrites(share),
  );
  return guardSource(source, smbErrors);
}
