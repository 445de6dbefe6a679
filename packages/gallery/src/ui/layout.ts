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
  // Not rounded to whole pixels: as CSS shares the width out (`1fr` columns) for the first screen the
  // server draws (page.ts), which the script takes over where it is.
  const tile = Math.max(32, (width - GAP) / columns - GAP);
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
  const section = layout.sections[sectionOf(layout, index)];
  if (!section) return 0;
  return section.top + HEADER + Math.floor((index - section.first) / layout.columns) * (layout.tile + GAP);
}

/** The keys that move the focus between tiles (see `stepFrom`). */
export const MOVE_KEYS = new Set([
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'Home',
  'End',
  'PageUp',
  'PageDown',
]);

/** The photo one row above (`-1`) or below (`1`) `index`, in its column (or the shorter row's last). */
function rowStep(layout: Layout, index: number, direction: -1 | 1): number {
  const { sections, columns } = layout;
  let s = sectionOf(layout, index);
  const section = sections[s];
  if (!section) return index;
  const local = index - section.first;
  const row = Math.floor(local / columns);
  const column = local % columns;
  if (direction < 0) {
    if (row > 0) return section.first + (row - 1) * columns + column;
    const above = sections[--s];
    if (!above) return index;
    const lastRow = Math.ceil(above.count / columns) - 1;
    return above.first + Math.min(lastRow * columns + column, above.count - 1);
  }
  if ((row + 1) * columns < section.count)
    return section.first + Math.min((row + 1) * columns + column, section.count - 1);
  const below = sections[s + 1];
  return below ? below.first + Math.min(column, below.count - 1) : index;
}

/**
 * Where `key` moves the focus from photo `index` in a view of `total`: the photo beside it, the one
 * above or below in its column (across month sections, whose last rows are short), `screenRows` rows
 * up or down, or the first or last photo.
 */
export function stepFrom(
  layout: Layout,
  total: number,
  index: number,
  key: string,
  screenRows: number,
): number {
  if (total === 0) return index;
  switch (key) {
    case 'ArrowLeft':
      return Math.max(0, index - 1);
    case 'ArrowRight':
      return Math.min(total - 1, index + 1);
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    case 'ArrowUp':
    case 'ArrowDown':
    case 'PageUp':
    case 'PageDown': {
      const direction = key === 'ArrowUp' || key === 'PageUp' ? -1 : 1;
      const times = key.startsWith('Page') ? Math.max(1, screenRows) : 1;
      let at = index;
      for (let i = 0; i < times; i++) at = rowStep(layout, at, direction);
      return at;
    }
    default:
      return index;
  }
}

/** The index of the section holding photo `index`. */
function sectionOf(layout: Layout, index: number): number {
  let lo = 0;
  let hi = layout.sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.sections[mid]!.first <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
