import type { EnumerateOptions, RootSource } from '../source/root-source.js';
import { isCatalogOwnFile } from './catalog-files.js';

/**
 * A source that counts its reads of the root's files; see `countingSource`. The catalog's own files
 * (the `.photolala.md5` pointer and snapshots at the top of the root) are read but not counted.
 */
export type CountingSource = RootSource & {
  /** `readHead` calls per path. */
  heads: Map<string, number>;
  /** Heads the source read along with its listing, per path. */
  listedHeads: Map<string, number>;
  /** `readAll` calls per path. */
  fulls: Map<string, number>;
  /** The `headBytes` each enumeration asked for. */
  askedHeadBytes: (number | undefined)[];
  /**
   * Files opened in all, the catalog's own left out: heads read with the listing or alone, and whole
   * reads. 0 after an unchanged rescan, though opening the catalog reads its pointer.
   */
  opened(): number;
};

/**
 * Wraps a real source and counts how often each of the root's files is read (the catalog's own are
 * not counted), to prove that a rescan leaves unchanged files unopened, or that a digest reads each
 * file once. Everything else is the wrapped source's own.
 */
export function countingSource(source: RootSource): CountingSource {
  const heads = new Map<string, number>();
  const listedHeads = new Map<string, number>();
  const fulls = new Map<string, number>();
  const askedHeadBytes: (number | undefined)[] = [];
  const bump = (map: Map<string, number>, key: string) => {
    if (!isCatalogOwnFile(key)) map.set(key, (map.get(key) ?? 0) + 1);
  };
  const total = (map: Map<string, number>) => [...map.values()].reduce((sum, n) => sum + n, 0);
  return Object.assign(Object.create(source) as RootSource, {
    heads,
    listedHeads,
    fulls,
    askedHeadBytes,
    opened: () => total(heads) + total(listedHeads) + total(fulls),
    async *enumerate(options?: EnumerateOptions) {
      askedHeadBytes.push(options?.headBytes);
      for await (const entry of source.enumerate(options)) {
        if (entry.head) bump(listedHeads, entry.path);
        yield entry;
      }
    },
    readHead: (path: string, bytes: number) => {
      bump(heads, path);
      return source.readHead(path, bytes);
    },
    readAll: (path: string) => {
      bump(fulls, path);
      return source.readAll(path);
    },
  });
}
