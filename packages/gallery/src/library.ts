import type { Catalog, CatalogEntry } from '@photolala/core';

/** One photo as the gallery lists it. `id` is the gallery's number for the entry's path in its root. */
export interface Photo {
  root: number;
  id: number;
  md5: string;
  path: string;
  name: string;
  /** `YYYY-MM` of capture (the camera's own clock), else of the file's mtime (UTC). */
  month: string;
  /** Sort key, newest first: capture time, else mtime, in ms. */
  time: number;
  starred: boolean;
  /** Digested by a running scan but not in the catalog until the scan publishes. */
  provisional?: boolean;
}

export interface ViewQuery {
  roots: number[];
  folder?: string;
  search?: string;
  starred?: boolean;
}

export interface View {
  photos: Photo[];
  months: { month: string; count: number }[];
}

const MONTH = /^(\d{4}-\d{2})/;

/**
 * `YYYY-MM` of each UTC day met: formatting a date per photo was a tenth of building a 100,000-photo
 * timeline, and a library's photos fall on far fewer days.
 */
const monthOfDay = new Map<number, string>();

function monthOf(takenAt: string | null, mtimeMs: number): { month: string; time: number } {
  const parsed = takenAt ? Date.parse(takenAt) : Number.NaN;
  const match = takenAt ? MONTH.exec(takenAt) : null;
  if (match?.[1] && Number.isFinite(parsed)) return { month: match[1], time: parsed };
  const day = Math.floor(mtimeMs / 86_400_000);
  let month = monthOfDay.get(day);
  if (month === undefined) {
    month = new Date(mtimeMs).toISOString().slice(0, 7);
    monthOfDay.set(day, month);
  }
  return { month, time: mtimeMs };
}

const newestFirst = (a: Photo, b: Photo) =>
  a.month !== b.month ? (a.month < b.month ? 1 : -1) : b.time - a.time || (a.path < b.path ? -1 : 1);

/**
 * The photos of one served catalog in timeline order, rebuilt from `catalog.list()` after a scan
 * changes it. Paths get numbers that stay fixed for the whole run, so a client holds numbers, never
 * paths, and a number can only name a path the catalog listed.
 */
export class RootPhotos {
  private readonly ids = new Map<string, number>();
  private readonly paths: string[] = [];
  private photos: Photo[] | undefined;
  private readonly provisional = new Map<string, Photo>();
  /** Bumped on every change: views cached under an older generation are stale. */
  generation = 0;

  constructor(
    readonly index: number,
    readonly catalog: Catalog,
  ) {}

  idOf(path: string): number {
    let id = this.ids.get(path);
    if (id === undefined) {
      id = this.paths.length;
      this.paths.push(path);
      this.ids.set(path, id);
    }
    return id;
  }

  /** The path a gallery id names, if the catalog (or the running scan) has that entry. */
  pathOf(id: number): string | undefined {
    return Number.isSafeInteger(id) ? this.paths[id] : undefined;
  }

  /** The list changed (a scan published): rebuild on the next read. */
  invalidate(): void {
    this.photos = undefined;
    this.provisional.clear();
    this.generation++;
  }

  /** A photo a running scan has digested, shown before the scan publishes the catalog. */
  addProvisional(path: string, md5: string, takenAt: string | null): Photo {
    const photo: Photo = {
      ...this.photoOf(path, md5, takenAt, Date.now(), false),
      provisional: true,
    };
    this.provisional.set(path, photo);
    this.generation++;
    return photo;
  }

  provisionalPhoto(path: string): Photo | undefined {
    return this.provisional.get(path);
  }

  setStarred(path: string, starred: boolean): void {
    const photo = this.all().find((p) => p.path === path);
    if (photo) photo.starred = starred;
    this.generation++;
  }

  all(): Photo[] {
    if (!this.photos) {
      const photos: Photo[] = [];
      for (const entry of this.catalog.list()) {
        const photo = this.fromEntry(entry);
        if (photo) photos.push(photo);
      }
      this.photos = photos.sort(newestFirst);
    }
    if (this.provisional.size === 0) return this.photos;
    const listed = new Set(this.photos.map((p) => p.path));
    const extra = [...this.provisional.values()].filter((p) => !listed.has(p.path));
    return extra.length ? [...this.photos, ...extra].sort(newestFirst) : this.photos;
  }

  private fromEntry(entry: CatalogEntry): Photo | undefined {
    if (entry.status !== 'ok' || !entry.photoMd5) return undefined;
    return this.photoOf(entry.path, entry.photoMd5, entry.takenAt, entry.mtimeMs, entry.starred);
  }

  private photoOf(path: string, md5: string, takenAt: string | null, mtimeMs: number, starred: boolean) {
    const slash = path.lastIndexOf('/');
    return {
      root: this.index,
      id: this.idOf(path),
      md5,
      path,
      name: path.slice(slash + 1),
      ...monthOf(takenAt, mtimeMs),
      starred,
    };
  }
}

/** Views (one root or several merged, narrowed by folder, name and star), the last few cached. */
export class Library {
  private readonly cache = new Map<string, { generation: string; view: View }>();

  constructor(readonly roots: RootPhotos[]) {}

  view(query: ViewQuery): View {
    const roots = query.roots.map((i) => this.roots[i]).filter((r): r is RootPhotos => r !== undefined);
    const key = JSON.stringify([roots.map((r) => r.index), query.folder, query.search, query.starred]);
    const generation = roots.map((r) => r.generation).join(',');
    const cached = this.cache.get(key);
    if (cached && cached.generation === generation) return cached.view;
    let photos = roots.length === 1 ? roots[0]!.all() : roots.flatMap((r) => r.all()).sort(newestFirst);
    const folder = query.folder ? `${query.folder}/` : undefined;
    const search = query.search?.toLowerCase();
    if (folder || search || query.starred)
      photos = photos.filter(
        (p) =>
          (!folder || p.path.startsWith(folder)) &&
          (!search || p.name.toLowerCase().includes(search)) &&
          (!query.starred || p.starred),
      );
    const months: View['months'] = [];
    for (const photo of photos) {
      const last = months[months.length - 1];
      if (last?.month === photo.month) last.count++;
      else months.push({ month: photo.month, count: 1 });
    }
    const view = { photos, months };
    if (this.cache.size > 16) this.cache.clear();
    this.cache.set(key, { generation, view });
    return view;
  }

  /** Every folder holding photos in these roots, with how many photos are under it. */
  folders(rootIndexes: number[]): { path: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const i of rootIndexes) {
      for (const photo of this.roots[i]?.all() ?? []) {
        let slash = photo.path.lastIndexOf('/');
        while (slash > 0) {
          const folder = photo.path.slice(0, slash);
          counts.set(folder, (counts.get(folder) ?? 0) + 1);
          slash = folder.lastIndexOf('/');
        }
      }
    }
    return [...counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, count]) => ({ path, count }));
  }
}
