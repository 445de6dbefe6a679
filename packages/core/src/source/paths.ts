import nodePath from 'node:path';
import { PhotolalaError } from './errors.js';

/**
 * Checks a relative, `/`-separated path taken from a caller, a listing, a pointer line or a database
 * and returns its NFC form. Rejects anything that could leave the root: absolute paths, `.`/`..`
 * segments, backslashes, empty segments, control characters, and text that is not valid Unicode.
 */
export function validateRelativePath(path: string, backend: string): string {
  const reject = (why: string): never => {
    throw new PhotolalaError('INVALID_PATH', `invalid path ${JSON.stringify(path)}: ${why}`, {
      backend,
      path,
    });
  };
  if (typeof path !== 'string' || path.length === 0) reject('empty');
  if (path.length > 4096) reject('too long');
  // Every file of every scan passes here, so the common cases take one test each: a printable
  // ASCII path that nothing is wrong with, then a non-ASCII one (accented or CJK names), which only
  // needs NFC. Only a path that breaks a rule is examined rule by rule, to name what is wrong.
  if (plainPath(path)) return path;
  if (!BREAKS_A_RULE.test(path)) return path.normalize('NFC');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we reject
  if (/[\u0000-\u001f\u007f]/.test(path)) reject('control character');
  if (path.includes('\\')) reject('backslash');
  if (path.startsWith('/')) reject('absolute');
  if (/^[a-zA-Z]:/.test(path)) reject('drive letter');
  // A lone UTF-16 surrogate (an SMB or Windows name can hold one) has no UTF-8 form: SQLite, JSON
  // and S3 keys would store a different name than the one listed.
  if (/\p{Surrogate}/u.test(path)) reject('lone surrogate (not valid Unicode)');
  // The loop names the empty, "." or ".." segment.
  if (BAD_SEGMENT.test(path))
    for (const segment of path.split('/')) {
      if (segment === '') reject('empty segment');
      if (segment === '.' || segment === '..') reject(`"${segment}" segment`);
    }
  return path.normalize('NFC');
}

const BAD_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;
// The rules above in one pattern: a control character or backslash, a leading "/" or drive letter,
// an empty, "." or ".." segment, or a lone surrogate.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it finds
const BREAKS_A_RULE = /[\u0000-\u001f\u007f\\]|^\/|^[a-zA-Z]:|(?:^|\/)\.{0,2}(?:\/|$)|\p{Surrogate}/u;
/**
 * Whether `path` is printable ASCII without a backslash, leading "/", drive letter or empty, "." or
 * ".." segment: valid and already NFC. A loop rather than one pattern, which cost a scan of 100k files
 * several times more.
 */
function plainPath(path: string): boolean {
  const length = path.length;
  let segmentStart = 0;
  for (let i = 0; i <= length; i++) {
    const code = i < length ? path.charCodeAt(i) : SLASH;
    if (code === SLASH) {
      const segment = i - segmentStart;
      if (segment === 0) return false;
      if (segment <= 2 && path.charCodeAt(segmentStart) === DOT && path.charCodeAt(i - 1) === DOT)
        return false;
      segmentStart = i + 1;
    } else if (code < 0x20 || code > 0x7e || code === BACKSLASH) return false;
  }
  const first = path.charCodeAt(0) | 0x20;
  return !(length >= 2 && path.charCodeAt(1) === COLON && first >= 0x61 && first <= 0x7a);
}

const SLASH = 0x2f;
const DOT = 0x2e;
const COLON = 0x3a;
const BACKSLASH = 0x5c;

/** The last root resolved, so resolving paths under one root does not re-resolve it each time. */
let lastRoot: { given: string; resolved: string } | undefined;

/** Joins a validated relative path onto an absolute folder and proves the result stays inside it. */
export function resolveInside(rootDir: string, relativePath: string, backend: string): string {
  const rel = validateRelativePath(relativePath, backend);
  if (lastRoot?.given !== rootDir) lastRoot = { given: rootDir, resolved: nodePath.resolve(rootDir) };
  const root = lastRoot.resolved;
  // A validated path has no "."/".." or empty segments and no separators of its own, so joining
  // needs no normalisation; the prefix check below still proves the result is inside the root.
  const tail = nodePath.sep === '/' ? rel : rel.replaceAll('/', nodePath.sep);
  const full = root.endsWith(nodePath.sep) ? `${root}${tail}` : `${root}${nodePath.sep}${tail}`;
  if (full !== root && !full.startsWith(root.endsWith(nodePath.sep) ? root : root + nodePath.sep)) {
    throw new PhotolalaError('INVALID_PATH', `path ${JSON.stringify(relativePath)} escapes the root`, {
      backend,
      path: relativePath,
    });
  }
  return full;
}

/** Joins relative path segments with `/`, for building entry paths. */
export function joinRelative(parent: string, name: string): string {
  // `join` builds one flat string; `${parent}/${name}` would make a rope of three parts, which costs
  // about 70 bytes more per path, and a catalog holds 100k of them through a scan.
  return parent === '' ? name : [parent, name].join('/');
}

/** The folder part of a relative path (`''` for top-level files). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
