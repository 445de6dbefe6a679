/**
 * The gallery's numbers for the paths of one root, fixed for the whole run. The first listing is
 * numbered in its own order, which is path order, so that finding a path's number is a binary search
 * and 100,000 paths need no map; paths met later (a scan's new photos) get the next numbers.
 */
export class PathIds {
  private readonly paths: string[] = [];
  /** How many of the first numbers are in ascending path order (the first listing). */
  private sorted = 0;
  private readonly later = new Map<string, number>();

  /** Numbers a listing in path order at once, if nothing is numbered yet. */
  adopt(entries: readonly { path: string }[]): void {
    if (this.paths.length > 0) return;
    let previous: string | undefined;
    for (const { path } of entries) {
      // Not ascending after all (no listing promises it to this class): number the rest one by one.
      if (previous !== undefined && !(previous < path)) break;
      this.paths.push(path);
      previous = path;
    }
    this.sorted = this.paths.length;
  }

  /** The number of a path, if it has one. */
  find(path: string): number | undefined {
    let lo = 0;
    let hi = this.sorted - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.paths[mid]!;
      if (at === path) return mid;
      if (at < path) lo = mid + 1;
      else hi = mid - 1;
    }
    return this.later.get(path);
  }

  /** The number of a path, given one if it has none. */
  idOf(path: string): number {
    let id = this.find(path);
    if (id === undefined) {
      id = this.paths.length;
      this.paths.push(path);
      this.later.set(path, id);
    }
    return id;
  }

  pathOf(id: number): string | undefined {
    return Number.isSafeInteger(id) ? this.paths[id] : undefined;
  }

  /** Path order of two numbered paths. */
  compare(a: number, b: number): number {
    if (a < this.sorted && b < this.sorted) return a - b;
    const pa = this.paths[a]!;
    const pb = this.paths[b]!;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  }
}
