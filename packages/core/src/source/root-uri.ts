import nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PhotolalaError } from './errors.js';

/** A parsed ROOT argument. Credentials are split off and never part of `uri`. */
export type RootLocation =
  | { scheme: 'file'; uri: string; path: string }
  | { scheme: 'apple-photos'; uri: string; path: string }
  | { scheme: 's3'; uri: string; bucket: string; prefix: string }
  | {
      scheme: 'smb';
      uri: string;
      host: string;
      port: number | undefined;
      share: string;
      path: string;
      username: string | undefined;
      password: string | undefined;
      domain: string | undefined;
    }
  | {
      scheme: 'webdav' | 'webdavs';
      uri: string;
      /** The http(s) URL of the root folder, without credentials. */
      url: string;
      username: string | undefined;
      password: string | undefined;
    }
  /** Any other `scheme://` URI, for third-party backends; `protocol` is the lower-case scheme. */
  | { scheme: 'other'; protocol: string; uri: string; raw: string };

/** The `backend` of the error a ROOT that cannot be parsed raises: front ends treat it as a usage error. */
export const ROOT_URI_ERROR_BACKEND = 'root-uri';

const fail = (root: string, why: string): never => {
  const shown = redactRootUri(root);
  throw new PhotolalaError('INVALID_ARGUMENT', `invalid root ${JSON.stringify(shown)}: ${why}`, {
    backend: ROOT_URI_ERROR_BACKEND,
    path: shown,
  });
};

/**
 * A ROOT as it may be shown in a message: the password of a `scheme://user:password@host` URI is
 * replaced by `***`. Also for text that is no valid URL (a bad port, a stray `/` in the password),
 * where everything between `://` and the last `@` of the authority-like part is hidden.
 */
export function redactRootUri(root: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)(.*)$/s.exec(root);
  if (!match) return root;
  const [, scheme, rest] = match as unknown as [string, string, string];
  // The userinfo ends at the last `@` before the path; an `@` further on may still end it when the
  // password itself holds a `/`, so then everything up to that `@` is hidden.
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon < 0) return root;
    return `${scheme}${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
  }
  // `user:pa/ss@host`: the URL parser sees host `user` and a bad port, yet the text holds a secret.
  const laterAt = rest.lastIndexOf('@');
  if (authority.includes(':') && laterAt > authority.length && !URL.canParse(root))
    return `${scheme}***${rest.slice(laterAt)}`;
  return root;
}

/**
 * Dot segments in the path of a URI ROOT, as typed (`%2e` counts as a dot): URL parsing would
 * resolve them silently, so `s3://b/a/../x` would name another prefix than the one written.
 */
function refuseDotSegments(root: string): void {
  const afterScheme = root.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, '');
  const slash = afterScheme.indexOf('/');
  if (slash < 0) return;
  const path = afterScheme.slice(slash).split(/[?#]/, 1)[0]!;
  for (const segment of path.split(/[/\\]/)) {
    const plain = segment.replace(/%2e/gi, '.');
    if (plain === '.' || plain === '..') fail(root, `"${plain}" segment`);
  }
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}

/** A user name or password from a URI, decoded; bad percent-encoding is a coded error that does not show it. */
function decodeUserinfo(part: string, root: string): string | undefined {
  if (!part) return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(root, 'bad percent-encoding in the user name or password');
  }
}

function decodeSegments(path: string, root: string): string {
  const segments = trimSlashes(path)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return fail(root, `bad percent-encoding in ${JSON.stringify(s)}`);
      }
    });
  for (const s of segments) {
    if (s === '.' || s === '..') fail(root, `"${s}" segment`);
    if (s.includes('/') || s.includes('\\') || s.includes('\0'))
      fail(root, `encoded separator in ${JSON.stringify(s)}`);
  }
  return segments.join('/').normalize('NFC');
}

function encodeSegments(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

function localLocation(absolute: string): RootLocation {
  const resolved = nodePath.resolve(absolute).normalize('NFC');
  const trimmed = resolved.length > 1 ? resolved.replace(/[/\\]+$/, '') : resolved;
  const uri = pathToFileURL(trimmed).href;
  return /\.photoslibrary$/i.test(trimmed)
    ? { scheme: 'apple-photos', uri, path: trimmed }
    : { scheme: 'file', uri, path: trimmed };
}

/**
 * Parses a ROOT as given on a command line or in code and returns its canonical form. Canonical URIs
 * have no credentials, no trailing slash, a lower-case host, no default port and percent-encoded
 * segments, so that the same root always hashes to the same `root-md5`.
 *
 * Accepted: a local path, `file://`, a path ending in `.photoslibrary`, `s3://bucket/prefix`,
 * `smb://[domain;][user[:password]@]host[:port]/share/path`, `webdav://host[:port]/path` (http) and
 * `webdavs://...` (https). Other `scheme://` URIs are returned as they are, for third-party backends.
 */
export function parseRootUri(root: string, cwd: string = process.cwd()): RootLocation {
  if (typeof root !== 'string' || root.trim() === '') fail(String(root), 'empty');
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(root);
  if (!match) return localLocation(nodePath.resolve(cwd, root));
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'file') refuseDotSegments(root);
  let url: URL;
  try {
    url = new URL(root);
  } catch {
    // Node's message only says "Invalid URL"; the reasons users meet are a bad port or host.
    return fail(root, 'not a valid URL (check the host, the port (1-65535) and the percent-encoding)');
  }
  switch (scheme) {
    case 'file': {
      if (url.host !== '' && url.host !== 'localhost') fail(root, 'file:// URIs must name a local path');
      return localLocation(fileURLToPath(url));
    }
    case 's3': {
      const bucket = url.hostname;
      // Bucket naming rules (3-63 chars, lower case, digits, dots, hyphens).
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
        fail(root, `bad bucket name ${JSON.stringify(bucket)}`);
      if (url.username || url.password)
        fail(root, 's3:// URIs take no credentials; use the AWS credential chain');
      const prefix = decodeSegments(url.pathname, root);
      return {
        scheme: 's3',
        uri: `s3://${bucket}${prefix ? `/${encodeSegments(prefix)}` : ''}`,
        bucket,
        prefix,
      };
    }
    case 'smb': {
      const host = url.hostname.toLowerCase();
      if (!host) fail(root, 'no host');
      const path = decodeSegments(url.pathname, root);
      const [share, ...rest] = path.split('/');
      if (!share) fail(root, 'no share name (smb://host/share/path)');
      let username = decodeUserinfo(url.username, root);
      let domain: string | undefined;
      if (username?.includes(';')) [domain, username] = username.split(';', 2) as [string, string];
      const port = url.port ? Number(url.port) : undefined;
      const portPart = port && port !== 445 ? `:${port}` : '';
      const restPath = rest.join('/');
      return {
        scheme: 'smb',
        uri: `smb://${host}${portPart}/${encodeSegments(path)}`,
        host,
        port,
        share: share!,
        path: restPath,
        username,
        password: decodeUserinfo(url.password, root),
        domain,
      };
    }
    case 'webdav':
    case 'webdavs': {
      const host = url.hostname.toLowerCase();
      if (!host) fail(root, 'no host');
      const secure = scheme === 'webdavs';
      const defaultPort = secure ? '443' : '80';
      const portPart = url.port && url.port !== defaultPort ? `:${url.port}` : '';
      const path = decodeSegments(url.pathname, root);
      const encoded = path ? `/${encodeSegments(path)}` : '';
      // URL.hostname keeps the brackets of an IPv6 literal, so `host` can be used as it is.
      const hostPart = host;
      return {
        scheme,
        uri: `${scheme}://${hostPart}${portPart}${encoded}`,
        url: `${secure ? 'https' : 'http'}://${hostPart}${portPart}${encoded}/`,
        username: decodeUserinfo(url.username, root),
        password: decodeUserinfo(url.password, root),
      };
    }
    default: {
      url.username = '';
      url.password = '';
      return { scheme: 'other', protocol: scheme, uri: url.href.replace(/\/+$/, ''), raw: root };
    }
  }
}

/** The canonical URI of a ROOT (see {@link parseRootUri}). */
export function canonicalRootUri(root: string, cwd?: string): string {
  return parseRootUri(root, cwd).uri;
}
