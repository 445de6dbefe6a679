import { describeError, PhotolalaError } from '../source/errors.js';
import { validateRelativePath } from '../source/paths.js';

/**
 * Why a path from `enumerate` cannot enter the catalog, or undefined when it can. A listing is
 * untrusted input: a backend may hand over a name the rules refuse (a control character in a local
 * file name), or break the contract (a path with `..`, or not in NFC). Such a file is reported as
 * failed and never stored, so every path in a catalog is one `validateRelativePath` accepts.
 */
export function invalidListedPath(path: string, backend: string): string | undefined {
  try {
    if (validateRelativePath(path, backend) === path) return undefined;
    return describeError(
      new PhotolalaError('INVALID_PATH', `path ${JSON.stringify(path)} is not in NFC, as listings must be`, {
        backend,
        path,
      }),
    );
  } catch (error) {
    return describeError(error);
  }
}
