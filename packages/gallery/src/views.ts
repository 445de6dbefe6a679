import { monthText, type RootPhotos, type Timeline } from './library.js';

export interface ViewQuery {
  roots: number[];
  folder?: string;
  search?: string;
  starred?: boolean;
}

/**
 * The photos of a view in timeline order, as columns: position `i` is photo `ids[i]` of root
 * `roots[i]`. Columns, not an object per photo: building 100,000 objects, and collecting them, was
 * most of the time a 100,000-photo gallery took to show its first screen.
 */
export interface View {
  size: number;
  roots: Uint16Array;
  ids: Uint32Array;
  months: { month: string; count: number }[];
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
    const folder = query.folder ? `${query.folder}/` : undefined;
    const search = query.search?.toLowerCase();
    const keep = (root: RootPhotos, id: number) => {
      if (query.starred && !root.isStarred(id)) return false;
      if (!folder && !search) return true;
      const path = root.pathOf(id) ?? '';
      if (folder && !path.startsWith(folder)) return false;
      return (
        !search ||
        path
          .slice(path.lastIndexOf('/') + 1)
          .toLowerCase()
          .includes(search)
      );
    };
    const filtered = roots.map((root) => {
      const timeline = root.build();
      if (!folder && !search && !query.starred) return timeline;
      const positions: number[] = [];
      for (let i = 0; i < timeline.ids.length; i++) if (keep(root, timeline.ids[i]!)) positions.push(i);
      return {
        ids: Uint32Array.from(positions, (i) => timeline.ids[i]!),
        monthKeys: Int32Array.from(positions, (i) => timeline.monthKeys[i]!),
        times: Float64Array.from(positions, (i) => timeline.times[i]!),
      };
    });
    const view = merge(roots, filtered);
    if (this.cache.size > 16) this.cache.clear();
    this.cache.set(key, { generation, view });
    return view;
  }

  /** Every folder holding photos in these roots, with how many photos are under it. */
  folders(rootIndexes: number[]): { path: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const i of rootIndexes)
      for (const [path, count] of this.roots[i]?.folders() ?? [])
        counts.set(path, (counts.get(path) ?? 0) + count);
    return [...counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, count]) => ({ path, count }));
  }
}

/** The timelines of several roots as one, in timeline order, with its month counts. */
function merge(roots: RootPhotos[], timelines: Timeline[]): View {
  const size = timelines.reduce((sum, t) => sum + t.ids.length, 0);
  const only = timelines.length === 1 ? timelines[0] : undefined;
  const view: View = {
    size,
    roots: new Uint16Array(size),
    ids: only?.ids ?? new Uint32Array(size),
    months: [],
  };
  const monthKeys = only?.monthKeys ?? new Int32Array(size);
  if (only) view.roots.fill(roots[0]!.index);
  const next = timelines.map(() => 0);
  for (let i = 0; i < size && !only; i++) {
    // Roots are few: pick the newest head each time.
    let best = -1;
    for (let r = 0; r < timelines.length; r++) {
      const t = timelines[r]!;
      const at = next[r]!;
      if (at >= t.ids.length) continue;
      if (best < 0) {
        best = r;
        continue;
      }
      const b = timelines[best]!;
      const bAt = next[best]!;
      // Positive when root r's head comes first: a newer month, then a newer time, then a path
      // that sorts before (each root's own order), then the root given first.
      const order =
        t.monthKeys[at]! - b.monthKeys[bAt]! ||
        t.times[at]! - b.times[bAt]! ||
        comparePaths(roots[best]!.pathOf(b.ids[bAt]!)!, roots[r]!.pathOf(t.ids[at]!)!) ||
        best - r;
      if (order > 0) best = r;
    }
    const t = timelines[best]!;
    const at = next[best]!++;
    view.roots[i] = roots[best]!.index;
    view.ids[i] = t.ids[at]!;
    monthKeys[i] = t.monthKeys[at]!;
  }
  for (let i = 0; i < size; i++) {
    const last = view.months[view.months.length - 1];
    const month = monthKeys[i]!;
    if (last && monthKeys[i - 1] === month) last.count++;
    else view.months.push({ month: monthText(month), count: 1 });
  }
  return view;
}

const comparePaths = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
