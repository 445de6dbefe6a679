import { joinRelative } from './paths.js';

/**
 * The names of files as a remote server spells them, by the NFC path a source reports. Servers keep
 * names byte for byte and macOS clients write NFD, so the path the catalog holds may not be the one
 * the server knows. Backends record spellings while listing and resolve the rest by listing the
 * parent folders, so a path can be read without a full enumeration first.
 */
export class ServerSpellings {
  readonly #known = new Map<string, string>();
  readonly #listNames: (serverDir: string) => Promise<string[]>;

  /** `listNames` lists the names in a folder given as the server spells it ('' for the root). */
  constructor(listNames: (serverDir: string) => Promise<string[]>) {
    this.#listNames = listNames;
  }

  remember(path: string, serverPath: string): void {
    if (path !== serverPath) this.#known.set(path, serverPath);
  }

  /** The server's spelling of an NFC relative path; the path itself when nothing else matches. */
  async resolve(path: string): Promise<string> {
    const known = this.#known.get(path);
    if (known !== undefined) return known;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an ASCII test
    if (/^[\u0000-\u007f]*$/.test(path)) return path;
    let current = '';
    for (const segment of path.split('/')) {
      let names: string[];
      try {
        names = await this.#listNames(current);
      } catch {
        return path;
      }
      const match = names.find((name) => name.normalize('NFC') === segment);
      if (match === undefined) return path;
      current = joinRelative(current, match);
    }
    this.remember(path, current);
    return current;
  }
}
