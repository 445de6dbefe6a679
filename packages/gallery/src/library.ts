import type {
  Catalog,
  CatalogEntry,
  FirstScreen,
  FirstScreenPhoto,
  MonthStart,
  MonthStarts,
} from '@photolala/core';
import { folderCounts, folderCountsOf } from './folders.js';
import { PathIds } from './path-ids.js';

/** One photo as the lightbox asks for it: a photo a running scan digested before it is an entry. */
export interface Photo {
  root: number;
  id: number;
  md5: string;
  path: string;
  name: string;
  /** `YYYY-MM` of capture (the camera's own clock), else of the file's mtime (UTC). */
  month: string;
  starred: boolean;
  provisional?: boolean;
}

/** A timeline's sort keys by position: month (`year * 12 + month - 1`) and time in ms. */
export interface Timeline {
  ids: Uint32Array;
  monthKeys: Int32Array;
  times: Float64Array;
}

/**
 * The month key of each UTC day met: formatting a date per photo was a tenth of building a
 * 100,000-photo timeline, and a library's photos fall on far fewer days.
 */
const monthOfDay = new Map<number, number>();

/** `[month key, time]` of a capture date (the camera's clock, as written), else of an mtime (UTC). */
function monthAndTime(takenAt: string | null, mtimeMs: number): [number, number] {
  if (takenAt && takenAt.length >= 7 && takenAt[4] === '-') {
    const year = Number(takenAt.slice(0, 4));
    const month = Number(takenAt.slice(5, 7));
    const time = Date.parse(takenAt);
    if (Number.isInteger(year) && month >= 1 && month <= 12 && Number.isFinite(time))
      return [year * 12 + month - 1, time];
  }
  const day = Math.floor(mtimeMs / 86_400_000);
  let key = monthOfDay.get(day);
  if (key === undefined) {
    const date = new Date(mtimeMs);
    key = date.getUTCFullYear() * 12 + date.getUTCMonth();
    monthOfDay.set(day, key);
  }
  return [key, mtimeMs];
}

export const monthText = (key: number) =>
  `${Math.floor(key / 12)}-${String((key % 12) + 1).padStart(2, '0')}`;

/**
 * The photos of one served catalog in timeline order (newest month first, newest first within it,
 * then by path), rebuilt from `catalog.list()` after a scan changes it. Paths get numbers that stay
 * fixed for the whole run, so a client holds numbers, never paths, and a number can only name a path
 * the catalog listed.
 */
export class RootPhotos {
  private readonly ids = new PathIds();
  private readonly md5s: string[] = [];
  private readonly starred = new Set<number>();
  /** The files attached to each group's primary (by id), and the badge its tile wears. */
  private readonly members = new Map<number, Member[]>();
  private readonly badges = new Map<number, string>();
  private timeline: Timeline | undefined;
  private readonly provisional = new Map<number, { md5: string; month: number; time: number }>();
  private folderCache: { generation: number; counts: Map<string, number> } | undefined;
  /** Whether the paths have their numbers (the first build gives them). */
  private numbered = false;
  /** The first screen served before the timeline was built, to check against it. */
  private served: FirstScreen | undefined;
  /** The month starts served before the timeline was built, likewise. */
  private servedStarts: MonthStarts | undefined;
  /** The pages served before the timeline was built, by their first position, likewise. */
  private servedPages = new Map<number, FirstScreenPhoto[]>();
  /** Told when the first build finds the first screen served before it wrong (see firstScreenStale). */
  onStale: (() => void) | undefined;
  /** Bumped on every change: views cached under an older generation are stale. */
  generation = 0;

  constructor(
    readonly index: number,
    readonly catalog: Catalog,
  ) {}

  idOf(path: string): number {
    // A path numbered before the first build would take the number of another.
    if (!this.numbered) this.build();
    return this.ids.idOf(path);
  }

  /** The path a gallery id names, if the catalog (or the running scan) has had that entry. */
  pathOf(id: number): string | undefined {
    // Ids handed out by a first screen (see `firstScreen`) are numbered by the first build.
    if (!this.numbered) this.build();
    return this.ids.pathOf(id);
  }

  /**
   * The month buckets and newest photos of this root's timeline before it is built, by SQL: the
   * first screen of a large catalog, served while the timeline waits. Its ids are the photos' places
   * in path order, which is how the first build numbers them; undefined once the timeline exists
   * (a view of it is as quick) or while a scan adds photos the catalog does not list yet.
   */
  firstScreen(limit: number): FirstScreen | undefined {
    if (this.numbered || this.provisional.size > 0) return undefined;
    const screen = this.catalog.firstScreen(limit);
    this.served = screen;
    return screen;
  }

  /**
   * The first `count` photos (and the last `tail`) of each of the `maxMonths` newest months before the timeline is built,
   * by SQL, numbered as `firstScreen` numbers them: where the scrubber jumps to, answered while
   * building the timeline would hold the jump up by most of a second. Undefined once it is built.
   */
  monthStarts(count: number, maxMonths: number, tail: number): MonthStarts | undefined {
    if (this.numbered || this.provisional.size > 0) return undefined;
    const starts = this.catalog.monthStarts(count, maxMonths, tail);
    this.servedStarts = starts;
    return starts;
  }

  /**
   * The photos at timeline positions `offset` to `offset + limit` before the timeline is built, by
   * SQL, numbered as `firstScreen` numbers them: the page a jump with the scrubber lands on, a few
   * milliseconds where building the timeline first took most of a second. Undefined once it is built.
   */
  timelinePage(offset: number, limit: number): { total: number; photos: FirstScreenPhoto[] } | undefined {
    if (this.numbered || this.provisional.size > 0) return undefined;
    const page = this.catalog.timelinePage(offset, limit);
    // Kept to check against the build, as the first screen is; a long session's pages stay few
    // hundred (the build comes a few seconds after the first screen).
    if (page.photos.length > 0) this.servedPages.set(offset, page.photos);
    return page;
  }

  /**
   * Whether the timeline built differs from the first screen served before it: a capture time SQL
   * read otherwise than the build does, or paths numbered out of listing order. The page must then
   * read its view again. Asked once, after the first build.
   */
  firstScreenStale(): boolean {
    const served = this.served;
    const starts = this.servedStarts;
    const pages = [...this.servedPages];
    if (!served && !starts && pages.length === 0) return false;
    this.served = undefined;
    this.servedStarts = undefined;
    this.servedPages.clear();
    const { ids, monthKeys } = this.build();
    const placed = (at: number, photo: { position: number; path: string }) =>
      ids[at] === photo.position && this.ids.pathOf(photo.position) === photo.path;
    if (served?.photos.some((photo, i) => !placed(i, photo))) return true;
    if (pages.some(([offset, photos]) => photos.some((photo, i) => !placed(offset + i, photo)))) return true;
    const end = (start: MonthStart) => start.first + start.count - start.last.length;
    if (
      starts?.starts.some(
        (start) =>
          start.photos.some((photo, i) => !placed(start.first + i, photo)) ||
          start.last.some((photo, i) => !placed(end(start) + i, photo)),
      )
    )
      return true;
    const months: { month: string; count: number }[] = [];
    for (let i = 0; i < monthKeys.length; i++) {
      if (i > 0 && monthKeys[i - 1] === monthKeys[i]) months[months.length - 1]!.count++;
      else months.push({ month: monthText(monthKeys[i]!), count: 1 });
    }
    const text = JSON.stringify(months);
    return (
      (!!served && text !== JSON.stringify(served.months)) ||
      (!!starts && text !== JSON.stringify(starts.months))
    );
  }

  md5Of(id: number): string | undefined {
    return this.md5s[id];
  }

  isStarred(id: number): boolean {
    return this.starred.has(id);
  }

  /** What a tile says of its item beyond the picture: `LIVE`, `RAW+JPEG`, `EDITED`, `VIDEO`. */
  badgeOf(id: number): string | undefined {
    return this.badges.get(id);
  }

  /** The files attached to a group's primary, in role order. */
  membersOf(id: number): Member[] {
    return this.members.get(id) ?? [];
  }

  /** The list changed (a scan published): rebuild on the next read. */
  invalidate(): void {
    this.timeline = undefined;
    this.provisional.clear();
    this.generation++;
  }

  /**
   * A photo a running scan has digested, shown before the scan publishes the catalog: dated as the
   * catalog will date it (capture date, else the file's mtime), so nothing moves when it publishes.
   */
  addProvisional(path: string, md5: string, takenAt: string | null, mtimeMs: number): void {
    const id = this.idOf(path);
    const [month, time] = monthAndTime(takenAt, mtimeMs);
    this.md5s[id] = md5;
    this.provisional.set(id, { md5, month, time });
    this.timeline = undefined;
    this.generation++;
  }

  provisionalPhoto(path: string): Photo | undefined {
    const id = this.ids.find(path);
    const photo = id === undefined ? undefined : this.provisional.get(id);
    if (id === undefined || !photo) return undefined;
    return {
      root: this.index,
      id,
      md5: photo.md5,
      path,
      name: path.slice(path.lastIndexOf('/') + 1),
      month: monthText(photo.month),
      starred: false,
      provisional: true,
    };
  }

  setStarred(path: string, starred: boolean): void {
    const id = this.idOf(path);
    if (starred) this.starred.add(id);
    else this.starred.delete(id);
    this.generation++;
  }

  /** How many photos the timeline holds. */
  count(): number {
    return this.build().ids.length;
  }

  /** The timeline, built once per change. */
  build(): Timeline {
    if (this.timeline) return this.timeline;
    const entries = this.catalog.list();
    // The first build numbers the paths in the listing's order, which is path order: no map needed.
    this.ids.adopt(entries);
    this.numbered = true;
    const n = entries.length + this.provisional.size;
    const ids = new Uint32Array(n);
    const monthKeys = new Int32Array(n);
    const times = new Float64Array(n);
    let count = 0;
    const listed = this.provisional.size ? new Set<number>() : undefined;
    this.starred.clear();
    this.groupMembers(entries);
    for (const entry of entries) {
      if (!isPhoto(entry)) continue;
      const id = this.ids.idOf(entry.path);
      // One tile per group: its primary's.
      if (this.attached.has(id)) continue;
      this.md5s[id] = entry.photoMd5;
      if (entry.starred) this.starred.add(id);
      listed?.add(id);
      const [month, time] = monthAndTime(entry.takenAt, entry.mtimeMs);
      ids[count] = id;
      monthKeys[count] = month;
      times[count] = time;
      count++;
    }
    for (const [id, photo] of this.provisional) {
      if (listed?.has(id)) continue;
      ids[count] = id;
      monthKeys[count] = photo.month;
      times[count] = photo.time;
      count++;
    }
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((a, b) => {
      const byMonth = monthKeys[b]! - monthKeys[a]!;
      if (byMonth !== 0) return byMonth;
      const byTime = times[b]! - times[a]!;
      if (byTime !== 0) return byTime;
      return this.ids.compare(ids[a]!, ids[b]!);
    });
    const timeline: Timeline = {
      ids: new Uint32Array(count),
      monthKeys: new Int32Array(count),
      times: new Float64Array(count),
    };
    for (let i = 0; i < count; i++) {
      const from = order[i]!;
      timeline.ids[i] = ids[from]!;
      timeline.monthKeys[i] = monthKeys[from]!;
      timeline.times[i] = times[from]!;
    }
    this.timeline = timeline;
    if ((this.served || this.servedStarts || this.servedPages.size > 0) && this.firstScreenStale())
      setImmediate(() => this.onStale?.());
    return timeline;
  }

  /** Ids of the files shown only as members of a group whose primary has a tile. */
  private attached = new Set<number>();

  /**
   * Attaches each group's members (a Live Photo's motion clip, the RAW of a RAW+JPEG pair, an
   * edited copy) to its primary, and names the primary's badge. A member whose primary has no tile
   * (its digest failed) keeps a tile of its own.
   */
  private groupMembers(entries: readonly CatalogEntry[]) {
    this.members.clear();
    this.badges.clear();
    this.attached = new Set();
    const primaries = new Map<string, CatalogEntry>();
    for (const entry of entries)
      if (entry.role === 'primary' && isPhoto(entry)) primaries.set(entry.path, entry);
    for (const entry of entries) {
      if (entry.kind === 'video' && !entry.group) this.badges.set(this.ids.idOf(entry.path), 'VIDEO');
      if (!entry.group || entry.role === 'primary' || !entry.role) continue;
      const primary = primaries.get(entry.group);
      if (!primary) continue;
      const id = this.ids.idOf(entry.path);
      const primaryId = this.ids.idOf(primary.path);
      this.attached.add(id);
      const list = this.members.get(primaryId) ?? [];
      list.push({
        id,
        name: entry.path.slice(entry.path.lastIndexOf('/') + 1),
        role: entry.role,
        kind: entry.kind,
      });
      this.members.set(primaryId, list);
    }
    for (const [primaryId, list] of this.members) {
      list.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
      const primary = primaries.get(this.ids.pathOf(primaryId)!)!;
      const badges = list.map((m) =>
        m.role === 'motion' ? 'LIVE' : m.role === 'raw' ? `RAW+${primary.kind.toUpperCase()}` : 'EDITED',
      );
      this.badges.set(primaryId, [...new Set(badges)].join(' · '));
    }
  }

  /** Photos under each folder (every ancestor of a photo counts it), for this generation. */
  folders(): Map<string, number> {
    if (this.folderCache?.generation !== this.generation) {
      // Before the timeline is built, by SQL: the page asks as soon as its first screen shows, and
      // building the timeline then held up a jump made at once by most of a second.
      const counts =
        !this.numbered && this.provisional.size === 0
          ? folderCountsOf(this.catalog.folderPhotos())
          : folderCounts(this.build().ids, (id) => this.pathOf(id)!);
      this.folderCache = { generation: this.generation, counts };
    }
    return this.folderCache.counts;
  }
}

/** A file attached to a group's primary. */
export interface Member {
  id: number;
  name: string;
  role: string;
  kind: string;
}

const ROLE_ORDER = ['primary', 'motion', 'raw', 'edited'];

/** The badge of a first screen's photo (see RootPhotos.firstScreen): what `badgeOf` names once built. */
export function badgeOf(photo: { kind: string; grouped: boolean; attached: string[] }): string | undefined {
  if (photo.attached.length === 0) return photo.kind === 'video' && !photo.grouped ? 'VIDEO' : undefined;
  const roles = [...photo.attached].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b));
  const badges = roles.map((role) =>
    role === 'motion' ? 'LIVE' : role === 'raw' ? `RAW+${photo.kind.toUpperCase()}` : 'EDITED',
  );
  return [...new Set(badges)].join(' · ');
}

function isPhoto(entry: CatalogEntry): entry is CatalogEntry & { photoMd5: string } {
  return entry.status === 'ok' && !!entry.photoMd5;
}
