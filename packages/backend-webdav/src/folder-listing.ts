import type { WebDAVClient } from 'webdav';
import { readMultistatus } from './multistatus.js';

/** One item of a folder, as the server lists it. */
export interface ListedItem {
  /** The name, decoded from the href (NFD where the server keeps NFD). */
  basename: string;
  directory: boolean;
  size: number;
  /** The `getlastmodified` text, an HTTP date. */
  lastmod: string;
  /** `getetag` without its quotes, as the webdav client's `stat` gives it. */
  etag?: string;
}

/** A folder's contents, and the names in it that are not UTF-8 (shown with U+FFFD for the bad bytes). */
export interface FolderContents {
  items: ListedItem[];
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
  if (!raw.includes('%')) return { name: raw, utf8: true };
  const bytes = percentBytes(raw);
  try {
    return { name: strictUtf8.decode(bytes), utf8: true };
  } catch {
    return { name: bytes.toString('utf8'), utf8: false };
  }
}

/**
 * Only what a listing needs. Asked for by name, not `allprop`: servers then leave out lock
 * discovery, content types and display names, which made most of each answer's bytes and parsing.
 */
const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>' +
  '<d:resourcetype/><d:getcontentlength/><d:getlastmodified/><d:getetag/></d:prop></d:propfind>';

/**
 * A Depth 1 listing of `folder` (`/` or `/a/b`, decoded). Each name is decoded alone from its href,
 * so a name that is not UTF-8 (Apache and rclone send a Latin-1 file name as `caf%E9.jpg`) is
 * reported instead of losing the whole folder, as the webdav client's own `decodeURIComponent` would.
 */
export async function listFolder(
  client: WebDAVClient,
  rootUrl: string,
  folder: string,
  signal?: AbortSignal,
): Promise<FolderContents> {
  const response = (await client.customRequest(folder.endsWith('/') ? folder : `${folder}/`, {
    method: 'PROPFIND',
    headers: { Accept: 'text/plain,application/xml', Depth: '1', 'Content-Type': 'application/xml' },
    data: PROPFIND_BODY,
    ...(signal ? { signal } : {}),
  })) as unknown as Response;
  const responses = readMultistatus(await response.text());
  // Hrefs are resolved against the URL that answered (after any redirect).
  const answered = response.url || new URL(`.${encodeURI(folder)}`, `${trimSlashes(rootUrl)}/`).href;
  const self = trimSlashes(decodeSegment(new URL(answered).pathname).name);
  const contents: FolderContents = { items: [], undecodable: [] };
  for (const item of responses) {
    const pathname = trimSlashes(new URL(item.href, answered).pathname);
    if (decodeSegment(pathname).name === self) continue;
    // An item without properties says neither its kind nor its size.
    if (!item.props) continue;
    const { name, utf8 } = decodeSegment(pathname.slice(pathname.lastIndexOf('/') + 1));
    if (!utf8) {
      contents.undecodable.push(name);
      continue;
    }
    const { collection, getcontentlength, getlastmodified, getetag } = item.props;
    const size = /^\s*\d+\s*$/.test(getcontentlength ?? '') ? Number(getcontentlength) : 0;
    contents.items.push({
      basename: name,
      directory: collection,
      size: Number.isSafeInteger(size) ? size : 0,
      lastmod: getlastmodified ?? '',
      ...(getetag ? { etag: getetag.replace(/"/g, '') } : {}),
    });
  }
  return contents;
}

const trimSlashes = (path: string) => path.replace(/\/+$/, '');
