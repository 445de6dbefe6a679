import type { Catalog } from '../catalog/catalog.js';
import { KeyNumbers } from '../key-numbers.js';
import type { PhotoColumns } from './catalog-reads.js';

/** What comparing needs of a catalog: its root and its photo columns (a `Catalog` has both). */
export type PhotoCatalog = Pick<Catalog, 'rootUri' | 'photoColumns'>;

/** Where one copy of a photo is: a root URI and the path under it. */
export interface PhotoCopy {
  root: string;
  path: string;
}

/**
 * The photos of several catalogs grouped by photo-md5, as numbers: one table lookup per photo, and
 * each group's photos chained in the order met (catalog by catalog, each in path order). Only the
 * groups a result shows become objects (see `copies`): a map from photo-md5 to an array of copy
 * objects cost two to three times as much, most of it in objects that no result kept.
 */
export class CopyIndex {
  /** The group of each photo-md5: groups are the table's numbers. */
  private readonly groupOf: KeyNumbers;
  /** Photos are numbered across the catalogs in order; each group's first and last, and how many. */
  private readonly first: Int32Array;
  private readonly last: Int32Array;
  private readonly counts: Int32Array;
  /** The next photo of the same group, or -1. */
  private readonly next: Int32Array;
  /** Which catalog, and which row of its columns, each photo is. */
  private readonly catalogOf: Int32Array;
  private readonly rowOf: Int32Array;
  /** Each group's copies once built (filled with undefined first: assigned out of order, a JS array turns sparse and slow). */
  private readonly built: (PhotoCopy[] | undefined)[];
  /** The roots arrays `roots` gave, by the set of catalogs (a bit each) they name. */
  private readonly rootSets = new Map<number, string[]>();

  constructor(private readonly catalogs: { uri: string; columns: PhotoColumns }[]) {
    const total = catalogs.reduce((sum, c) => sum + c.columns.photoMd5s.length, 0);
    this.first = new Int32Array(total);
    this.last = new Int32Array(total);
    this.counts = new Int32Array(total);
    this.next = new Int32Array(total).fill(-1);
    this.catalogOf = new Int32Array(total);
    this.rowOf = new Int32Array(total);
    this.built = new Array<PhotoCopy[] | undefined>(total).fill(undefined);
    this.groupOf = new KeyNumbers(total);
    let photo = 0;
    for (let k = 0; k < catalogs.length; k++) {
      const md5s = catalogs[k]!.columns.photoMd5s;
      for (let row = 0; row < md5s.length; row++, photo++) {
        this.catalogOf[photo] = k;
        this.rowOf[photo] = row;
        const known = this.groupOf.size;
        const group = this.groupOf.add(md5s[row]!);
        if (group === known) {
          this.first[group] = photo;
          this.last[group] = photo;
          this.counts[group] = 1;
        } else {
          this.next[this.last[group]!] = photo;
          this.last[group] = photo;
          this.counts[group]!++;
        }
      }
    }
  }

  /** How many groups (distinct photo-md5s) there are; groups are numbered from 0 in the order met. */
  get size(): number {
    return this.groupOf.size;
  }

  /** The group of a photo-md5, or undefined when no catalog holds it. */
  group(photoMd5: string): number | undefined {
    const group = this.groupOf.find(photoMd5);
    return group < 0 ? undefined : group;
  }

  /** How many photos a group has. */
  count(group: number): number {
    return this.counts[group]!;
  }

  /** A group's photo-md5. */
  photoMd5(group: number): string {
    const photo = this.first[group]!;
    return this.catalogs[this.catalogOf[photo]!]!.columns.photoMd5s[this.rowOf[photo]!]!;
  }

  /** The size of a group's last photo (the last catalog's, the last by path). */
  lastSize(group: number): number {
    const photo = this.last[group]!;
    return this.catalogs[this.catalogOf[photo]!]!.columns.sizes[this.rowOf[photo]!]!;
  }

  /**
   * A group's copies, in catalog order and then path order. Built once per group: the photos of one
   * photo-md5 share the array, so callers must not change it.
   */
  copies(group: number): PhotoCopy[] {
    const known = this.built[group];
    if (known) return known;
    // Sized up front: an array grown by push reserves room for 17 copies, and most groups have one or two.
    const copies = new Array<PhotoCopy>(this.counts[group]!);
    let i = 0;
    for (let photo = this.first[group]!; photo !== -1; photo = this.next[photo]!) {
      const catalog = this.catalogs[this.catalogOf[photo]!]!;
      copies[i++] = { root: catalog.uri, path: catalog.columns.paths[this.rowOf[photo]!]! };
    }
    this.built[group] = copies;
    return copies;
  }

  /**
   * The roots of a group's copies, each once, in catalog order. Groups held by the same catalogs share
   * one array (most groups of two roots are in both), so callers must not change it.
   */
  roots(group: number): string[] {
    // A bit per catalog while they fit in a small integer; past that, an array per group.
    const shared = this.catalogs.length <= 30;
    let held = 0;
    let previous = -1;
    const roots: string[] = [];
    // A group's photos come catalog by catalog, so a catalog's photos are adjacent.
    for (let photo = this.first[group]!; photo !== -1; photo = this.next[photo]!) {
      const k = this.catalogOf[photo]!;
      if (k === previous) continue;
      previous = k;
      if (shared) held |= 1 << k;
      else if (!roots.includes(this.catalogs[k]!.uri)) roots.push(this.catalogs[k]!.uri);
    }
    if (!shared) return roots;
    let known = this.rootSets.get(held);
    if (!known) {
      known = [];
      for (let k = 0; k < this.catalogs.length; k++)
        if (held & (1 << k) && !known.includes(this.catalogs[k]!.uri)) known.push(this.catalogs[k]!.uri);
      this.rootSets.set(held, known);
    }
    return known;
  }
}
