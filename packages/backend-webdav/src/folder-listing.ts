import { type FileStat, parseXML, prepareFileFromProps, type WebDAVClient } from 'webdav';

/** A folder's contents, and the names in it that are not UTF-8 (shown with U+FFFD for the bad bytes). */
export interface FolderContents {
  items: FileStat[];
  undecodable: string[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes a percent-encoded href segment stands for: `%E9` is the byte 0xE9, other text is UTF-8. */
function percentBytes(text: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < text.length; ) {
    const hex = text[i] === '%' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      parts.push(Buffer.from([Number.parseInt(hex, 16)]));
      i += 3;
    } else {
      const char = String.fromCodePoint(text.codePointAt(i)!);
      parts.push(Buffer.from(char, 'utf8'));
      i += char.length;
    }
  }
  return Buffer.concat(parts);
}

/** An href segment decoded: strictly when its bytes are UTF-8, else with U+FFFD for the bad bytes. */
export function decodeSegment(raw: string): { name: string; utf8: boolean } {
  const bytes = percentBytes(raw);
  try {
    return { name: strictUtf8.decode(bytes), utf8: true };
  } catch {
    return { name: bytes.toString('utf8'), utf8: false };
  }
}

const isUriError = (error: unknown): boolean =>
  error instanceof URIError || (error as Error | undefined)?.name === 'URIError';

/**
 * A Depth 1 listing of `folder` (`/` or `/a/b`, decoded). The webdav client decodes every href with
 * `decodeURIComponent`, which throws on one that is not UTF-8 (Apache and rclone send a Latin-1 file
 * name as `caf%E9.jpg`) and so loses the whole folder. Only then is the listing parsed here, with
 * each name decoded alone, so the folder's other files are still listed.
 */
export async function listFolder(
  client: WebDAVClient,
  rootUrl: string,
  folder: string,
  signal?: AbortSignal,
): Promise<FolderContents> {
  const options = signal ? { signal } : {};
  try {
    return { items: (await client.getDirectoryContents(folder, options)) as FileStat[], undecodable: [] };
  } catch (error) {
    if (!isUriError(error)) throw error;
  }
  const response = (await client.customRequest(folder.endsWith('/') ? folder : `${folder}/`, {
    method: 'PROPFIND',
    headers: { Accept: 'text/plain,application/xml', Depth: '1' },
    ...options,
  })) as unknown as Response;
  const result = await parseXML(await response.text());
  // Hrefs are resolved against the URL that answered (after any redirect).
  const answered = response.url || new URL(`.${encodeURI(folder)}`, `${trimSlashes(rootUrl)}/`).href;
  const self = trimSlashes(decodeSegment(new URL(answered).pathname).name);
  const contents: FolderContents = { items: [], undecodable: [] };
  for (const item of result.multistatus.response) {
    const pathname = trimSlashes(new URL(item.href, answered).pathname);
    if (decodeSegment(pathname).name === self) continue;
    // An item without properties says neither its kind nor its size.
    if (!item.propstat) continue;
    const raw = pathname.slice(pathname.lastIndexOf('/') + 1);
    const { name, utf8 } = decodeSegment(raw);
    if (!utf8) contents.undecodable.push(name);
    else contents.items.push(prepareFileFromProps(item.propstat.prop, `${trimSlashes(folder)}/${name}`));
  }
  return contents;
}

const trimSlashes = (path: string) => path.replace(/\/+$/, '');
