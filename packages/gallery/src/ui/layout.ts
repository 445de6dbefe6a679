/** The timeline's geometry: month sections of square tiles, laid out from counts alone. */
export interface Section {
  month: string;
  /** Index in the view of the section's first photo. */
  first: number;
  count: number;
  top: number;
  height: number;
}

export const HEADER = 36;
export const GAP = 4;
const TARGET_TILE = 180;

export interface Layout {
  columns: number;
  tile: number;
  sections: Section[];
  height: number;
}

export function layOut(months: { month: string; count: number }[], width: number): Layout {
  const columns = Math.max(1, Math.floor((width - GAP) / (TARGET_TILE + GAP)));
  const tile = Math.max(32, Math.floor((width - GAP) / columns) - GAP);
  const sections: Section[] = [];
  let top = 0;
  let first = 0;
  for (const { month, count } of months) {
    const height = HEADER + Math.ceil(count / columns) * (tile + GAP);
    sections.push({ month, first, count, top, height });
    top += height;
    first += count;
  }
  return { columns, tile, sections, height: top };
}

/** The index of the section at `y` (binary search: a 100,000-photo view has hundreds of sections). */
export function sectionAt(layout: Layout, y: number): number {
  let lo = 0;
  let hi = layout.sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.sections[mid]!.top <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface Placed {
  index: number;
  x: number;
  y: number;
}

/** The month headers and the tiles that intersect `from..to` (pixels from the top). */
export function visible(layout: Layout, from: number, to: number): { headers: Section[]; tiles: Placed[] } {
  const headers: Section[] = [];
  const tiles: Placed[] = [];
  const { columns, tile } = layout;
  const step = tile + GAP;
  for (let s = sectionAt(layout, from); s < layout.sections.length; s++) {
    const section = layout.sections[s]!;
    if (section.top > to) break;
    headers.push(section);
    const rowsTop = section.top + HEADER;
    const rows = Math.ceil(section.count / columns);
    const firstRow = Math.max(0, Math.floor((from - rowsTop) / step));
    const lastRow = Math.min(rows - 1, Math.floor((to - rowsTop) / step));
    for (let row = firstRow; row <= lastRow; row++) {
      for (let col = 0; col < columns; col++) {
        const i = row * columns + col;
        if (i >= section.count) break;
        tiles.push({ index: section.first + i, x: GAP + col * step, y: rowsTop + row * step });
      }
    }
  }
  return { headers, tiles };
}

/** The first photo whose row shows at or below `y`: the top visible photo of a grid scrolled to `y`. */
export function indexAt(layout: Layout, y: number): number | undefined {
  const section = layout.sections[sectionAt(layout, y)];
  if (!section) return undefined;
  const step = layout.tile + GAP;
  const row = Math.max(0, Math.floor((y - section.top - HEADER - layout.tile) / step) + 1);
  return Math.min(section.first + row * layout.columns, section.first + section.count - 1);
}

/** The top (pixels from the grid's top) of the row holding photo `index`. */
export function topOf(layout: Layout, index: number): number {
  let lo = 0;
  let hi = layout.sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.sections[mid]!.first <= index) lo = mid;
    else hi = mid - 1;
  }
  const section = layout.sections[lo];
  if (!section) return 0;
  return section.top + HEADER + Math.floor((index - section.first) / layout.columns) * (layout.tile + GAP);
}
