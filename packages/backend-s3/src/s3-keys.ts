import { describeError, validateRelativePath } from '@photolala/core/backend';
import { BACKEND } from './errors.js';

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
 * Whether an ETag is a plain MD5 of the object's bytes: single-part uploads without SSE-KMS/SSE-C
 * have a 32-hex ETag; multipart ETags end in `-{parts}` and are not content hashes.
 */
export function isPlainMd5Etag(etag: string | undefined): boolean {
  return etag !== undefined && /^[0-9a-f]{32}$/.test(etag.replace(/"/g, ''));
}
