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
