import { elements, getJson, photoCount, viewParams } from './dom.js';
import { GAP, HEADER, type Layout, layOut, sectionAt, topOf, visible } from './layout.js';
import { monthLabel } from './months.js';

/** A photo as the API's pages list it: [root, id, photo-md5, name, starred, badge]. */
export type Row = [number, number, string, string, 0 | 1, string?];

const PAGE = 300;
/** Tiles are kept this far above and below the screen, so a scroll finds them ready. */
const MARGIN = 800;

const { grid, sizer, scrubber, status } = elements;

/**
 * The grid is one stop of the Tab key, its focused tile (a roving tabindex): the arrows move between
 * tiles (see main.ts). Not the grid itself, whose focus would send Shift+Tab from a tile back to it.
 */
grid.tabIndex = -1;
grid.setAttribute('aria-label', 'Photos');

/** The month the top of the grid shows, kept in view above the tiles while they scroll. */
const stickyMonth = document.getElementById('sticky-month') ?? document.createElement('div');
if (!stickyMonth.isConnected) {
  stickyMonth.id = 'sticky-month';
  stickyMonth.setAttribute('aria-hidden', 'true');
  grid.prepend(stickyMonth);
}

/**
 * The first screen's tiles and month headers as the server drew them (page.ts `firstTiles`), by key
 * (see `render`), laid out by CSS until the first render takes them over where they are: the same
 * elements, so no thumbnail is asked for or decoded twice, and no frame shows the screen empty.
 */
const drawn = new Map<string, HTMLElement>();
for (const element of sizer.querySelectorAll<HTMLElement>('[data-key]'))
  if (element.dataset.key) drawn.set(element.dataset.key, element);

/** A tile or header the server drew for `key`, now the grid's. */
function adopt(key: string): HTMLElement | undefined {
  const element = drawn.get(key);
  if (!element) return undefined;
  drawn.delete(key);
  view.shown.set(key, element);
  const img = element.querySelector('img');
  if (img?.hasAttribute('src')) {
    // Failed before the script came: asked again once the view changes, as a tile's own (see render).
    if (img.complete && img.naturalWidth === 0) img.dataset.failed = String(view.generation);
    else if (!img.complete) {
      img.addEventListener('load', renderSoon, { once: true });
      img.addEventListener('error', () => (img.dataset.failed = String(view.generation)), { once: true });
      img.addEventListener('error', renderSoon, { once: true });
    }
  }
  return element;
}

/** Ends the server's first screen: what the first render did not take is removed, and CSS no longer lays out. */
function endDrawn() {
  for (const element of drawn.values()) element.remove();
  drawn.clear();
  sizer.classList.remove('first');
}

/** What an empty view says instead of an empty grid: why, and how to widen it. */
const empty = document.createElement('div');
empty.id = 'empty';
empty.setAttribute('role', 'status');
empty.hidden = true;
grid.append(empty);

/** The scrubber's label of the month the grid shows. */
const scrubberNow = document.createElement('div');
scrubberNow.id = 'scrubber-now';
scrubberNow.setAttribute('aria-hidden', 'true');

/**
 * The photo the keyboard is on, by index in the view, and whether the focus should come back to its
 * tile when the tile is drawn again: a tile scrolled out of the margin is removed (and the focus with
 * it) and made anew when it comes back, and a placeholder is replaced once its row arrives.
 */
export const focus = { index: undefined as number | undefined, keep: false };

/** The tile drawn for photo `index`, if it is drawn. */
export function tileAt(index: number): HTMLElement | undefined {
  const wanted = String(index);
  for (const element of view.shown.values()) if (element.dataset.index === wanted) return element;
  return undefined;
}

/**
 * Puts the focus on photo `index`: scrolls the grid so that its tile shows whole (below the sticky
 * month header), draws it, and focuses it.
 */
export function focusPhoto(index: number) {
  if (index < 0 || index >= view.total) return;
  const { layout } = view;
  const top = topOf(layout, index);
  const before = grid.scrollTop;
  if (top - HEADER < grid.scrollTop) grid.scrollTop = top - HEADER;
  else if (top + layout.tile + GAP > grid.scrollTop + grid.clientHeight)
    grid.scrollTop = top + layout.tile + GAP - grid.clientHeight;
  focus.index = index;
  focus.keep = true;
  // A move of a screen or more (PageDown, End) is a jump: its screen comes in one answer.
  render(Math.abs(grid.scrollTop - before) >= grid.clientHeight);
  tileAt(index)?.focus({ preventScroll: true });
}

/** The view shown: its months and size, its pages of rows as they arrive, and the tiles drawn. */
export const view = {
  months: [] as { month: string; count: number }[],
  total: 0,
  layout: layOut([], 800) as Layout,
  /** The grid's width the layout was made for (see `relayout`). */
  width: 800,
  /** Pages of rows by page number; a new view (filters, a scan) starts afresh. */
  pages: new Map<number, Row[] | Promise<void>>(),
  /** The first rows of each month (see `loadStarts`), by index: where the scrubber jumps to. */
  starts: new Map<number, Row>(),
  generation: 0,
  shown: new Map<string, HTMLElement>(),
};

/** Called once, the first time every tile on screen shows its thumbnail. */
let onScreenDone: (() => void) | undefined;
export function whenScreenDone(callback: () => void) {
  onScreenDone = callback;
}

export function rowAt(index: number): Row | undefined {
  const page = view.pages.get(Math.floor(index / PAGE));
  return Array.isArray(page) ? page[index % PAGE] : view.starts.get(index);
}

/**
 * Fetches the first and last rows of every month of the view, a screen and its margin each, so that
 * a jump with the scrubber asks for its thumbnails at once rather than after a round trip for its
 * pages. Not for the page's first view: the server reads a page of it by SQL in a few milliseconds,
 * while every month's ends took a third of a second, which a jump made meanwhile waited for.
 */
function loadStarts(): Promise<void> {
  const asked = view.generation;
  const { columns, tile } = view.layout;
  // A jump shows a screen and its margin below from the month's start and its margin above from the
  // end of the month before; at the timeline's end (the oldest month), a screen and its margin above.
  const count = columns * (Math.ceil((grid.clientHeight + MARGIN) / (tile + GAP)) + 1);
  return getJson<{ starts: [number, Row[]][]; ends?: [number, Row[]][] }>(
    `/api/starts?${viewParams()}&count=${count}&tail=${count}`,
  )
    .then(({ starts, ends = [] }) => {
      if (asked !== view.generation) return;
      for (const [first, rows] of [...starts, ...ends])
        for (const [i, row] of rows.entries()) view.starts.set(first + i, row);
      // Tiles drawn meanwhile without rows have them now.
      render();
    })
    .catch(() => {
      // Only a shortcut: the pages give the same rows.
    });
}

const pageUrl = (number: number) => `/api/photos?${viewParams()}&offset=${number * PAGE}&limit=${PAGE}`;

/**
 * Fetches the page holding `index` once; resolves when it is there (or the view changed). `asking`
 * is that page's request if it was made already.
 */
export function loadPage(index: number, asking?: Promise<{ rows: Row[] }>): Promise<void> {
  const number = Math.floor(index / PAGE);
  const have = view.pages.get(number);
  if (Array.isArray(have)) return Promise.resolve();
  if (have) return have;
  const asked = view.generation;
  const loading = (asking ?? getJson<{ rows: Row[] }>(pageUrl(number)))
    .then(({ rows }) => {
      if (asked !== view.generation) return;
      view.pages.set(number, rows);
      render();
    })
    .catch((error: Error) => {
      if (asked === view.generation) view.pages.delete(number);
      status.textContent = error.message;
    });
  view.pages.set(number, loading);
  return loading;
}

/**
 * Thumbnails screens' answers brought (see `loadScreen`), by photo-md5, the last SCREEN_BLOBS of
 * them: a tile shows one from a blob URL, revoked when the tile goes. Kept for tiles made again (a
 * scroll back to a screen jumped to), which the browser's cache cannot give: the blob was never
 * its own request.
 */
const screenThumbnails = new Map<string, Blob>();
const SCREEN_BLOBS = 600;
/** The range of the view a screen's answer is awaited for, if one is. */
let screenAsked: { from: number; to: number; generation: number; controller: AbortController } | undefined;

/**
 * Fetches the rows of `from..to` (the screen after a jump) with their thumbnails in one answer
 * (`/api/screen`): a jump asked for a page of rows, then for each tile's thumbnail, six at a time.
 */
function loadScreen(from: number, to: number): void {
  const asked = view.generation;
  if (screenAsked && screenAsked.generation === asked && screenAsked.from <= from && to <= screenAsked.to)
    return;
  screenAsked?.controller.abort();
  const range = { from, to, generation: asked, controller: new AbortController() };
  screenAsked = range;
  fetch(`/api/screen?${viewParams()}&offset=${from}&limit=${to - from + 1}`, {
    priority: 'high',
    signal: range.controller.signal,
  } as RequestInit)
    .then(async (response) => {
      if (!response.ok) throw new Error(`/api/screen: ${response.status}`);
      const bytes = await response.arrayBuffer();
      const length = new DataView(bytes).getUint32(0);
      const { offset, rows, sizes } = JSON.parse(
        new TextDecoder().decode(new Uint8Array(bytes, 4, length)),
      ) as {
        offset: number;
        rows: Row[];
        sizes: number[];
      };
      if (asked !== view.generation) return;
      let at = 4 + length;
      for (const [i, row] of rows.entries()) {
        const size = sizes[i] ?? 0;
        if (size > 0 && at + size <= bytes.byteLength) {
          screenThumbnails.delete(row[2]);
          screenThumbnails.set(row[2], new Blob([bytes.slice(at, at + size)], { type: 'image/jpeg' }));
        }
        at += size;
        if (!rowAt(offset + i)) view.starts.set(offset + i, row);
      }
      // The oldest go first (a Map keeps the order they were set in).
      for (const md5 of screenThumbnails.keys()) {
        if (screenThumbnails.size <= SCREEN_BLOBS) break;
        screenThumbnails.delete(md5);
      }
      render();
    })
    .catch(() => {
      // The pages and each thumbnail's own request give the same: asked for at the next render.
      if (screenAsked === range) screenAsked = undefined;
    })
    .finally(() => {
      if (screenAsked === range) screenAsked = undefined;
    });
}

/** Whether the row at `index` is coming with a screen's answer. */
const awaitingScreen = (index: number) =>
  screenAsked !== undefined &&
  screenAsked.generation === view.generation &&
  screenAsked.from <= index &&
  index <= screenAsked.to;

/** Frees the blob URL a tile's thumbnail was shown from, if it was. */
function releaseThumbnail(img: Element | null) {
  if (img instanceof HTMLImageElement && img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
}

export const thumbnailUrl = (row: Row) => `/api/roots/${row[0]}/thumbnails/${row[2]}`;

function place(element: HTMLElement, x: number, y: number, width?: number) {
  element.style.transform = `translate(${x}px, ${y}px)`;
  if (width !== undefined) {
    element.style.width = `${width}px`;
    element.style.height = `${width}px`;
  }
}

/** Runs `task` after the next frame is painted (a task queued from the frame's callback). */
export function afterPaint(task: () => void) {
  requestAnimationFrame(() => setTimeout(task, 0));
}

let renderQueued = false;
/** One render at the next frame, however many thumbnails on screen arrive before it. */
function renderSoon() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

/** The grid's height at the last render (see `placeScrubber`). */
let gridHeight = 0;

/** Where the last render drew, whether it had moved a screen or more, and the render after a fling. */
let lastTop = 0;
let lastLeapt = false;
let settling: number | undefined;

function newTile(index: number, row: Row | undefined): HTMLElement {
  const tile = document.createElement('div');
  tile.className = 'tile';
  tile.dataset.index = String(index);
  if (!row) tile.setAttribute('aria-label', 'Loading photo');
  tile.tabIndex = -1;
  tile.setAttribute('role', 'button');
  if (row) {
    tile.title = row[3];
    tile.setAttribute('aria-label', row[3]);
    const img = document.createElement('img');
    img.alt = row[3];
    img.decoding = 'async';
    tile.append(img);
    if (row[5]) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = row[5];
      tile.append(badge);
    }
  }
  sizer.append(tile);
  return tile;
}

/**
 * Draws what is on screen (plus MARGIN), reusing the elements already there. A scroll that leaps a
 * screen or more twice running (a fling, a drag of the scrollbar) only passes over tiles: they are
 * drawn empty, and get their rows and thumbnails once it slows or pauses, so that the screen it stops
 * on is not queued behind hundreds of requests for tiles long gone. One leap (the scrubber) loads at
 * once. Thumbnails on screen are asked for first. `jumped`: drawn for a jump with the scrubber, whose
 * screen's rows come with their thumbnails in one answer (see loadScreen).
 */
export function render(jumped = false) {
  // No view yet (a scroll or resize before the page's first view is read).
  if (view.generation === 0) return;
  const { layout, shown } = view;
  const top = grid.scrollTop;
  gridHeight = grid.clientHeight;
  const bottom = top + gridHeight;
  const leapt = Math.abs(top - lastTop) >= grid.clientHeight;
  const flying = leapt && lastLeapt;
  lastTop = top;
  lastLeapt = leapt;
  clearTimeout(settling);
  if (flying) settling = window.setTimeout(render, 120);
  const { headers, tiles } = visible(layout, top - MARGIN, bottom + MARGIN);
  const onScreen = (y: number) => y + layout.tile > top && y < bottom;
  tiles.sort((a, b) => Number(onScreen(b.y)) - Number(onScreen(a.y)));
  /** Whether every tile on screen shows its thumbnail: only then are the margin's asked for. */
  let screenDone = tiles.length > 0;
  const wanted = new Set<string>();
  for (const section of headers) {
    const key = `m${section.month}`;
    wanted.add(key);
    let header = shown.get(key) ?? adopt(key);
    if (!header) {
      header = document.createElement('div');
      header.className = 'month';
      header.textContent = monthLabel(section.month);
      sizer.append(header);
      shown.set(key, header);
    }
    place(header, GAP, section.top);
  }
  /** The first and last tiles on screen without their rows: asked for with their thumbnails. */
  let missing: [number, number] | undefined;
  for (const { index, x, y } of tiles) {
    const row = rowAt(index);
    const seen = onScreen(y);
    // After a jump, the screen's rows come with their thumbnails (see loadScreen); else by pages.
    // The margin's rows, like its thumbnails, once the screen shows.
    if (!row && !flying && seen) {
      if (jumped) missing = [Math.min(missing?.[0] ?? index, index), Math.max(missing?.[1] ?? index, index)];
      else if (!awaitingScreen(index)) void loadPage(index);
    } else if (!row && !flying && screenDone && !awaitingScreen(index)) void loadPage(index);
    // By photo, not place: a scan that adds photos above moves a tile, which keeps its thumbnail.
    const key = row ? `t${row[0]}:${row[1]}` : `p${index}`;
    wanted.add(key);
    let tile = shown.get(key) ?? (row ? adopt(key) : undefined);
    if (!tile) {
      tile = newTile(index, row);
      shown.set(key, tile);
    } else tile.dataset.index = String(index);
    const img = tile.firstElementChild as HTMLImageElement | null;
    // A thumbnail that failed (not made yet by a running scan) is asked again once the view changes.
    if (img?.dataset.failed && img.dataset.failed !== String(view.generation)) {
      delete img.dataset.failed;
      img.removeAttribute('src');
    }
    if (row && img && !img.hasAttribute('src')) {
      const given = screenThumbnails.get(row[2]);
      // A jump's screen brought it (see loadScreen), else the tile asks for it.
      const src = given ? URL.createObjectURL(given) : undefined;
      if (src) {
        // Its photo-md5, which a blob URL does not name.
        img.dataset.md5 = row[2];
        img.src = src;
      } else if (!flying && (seen || screenDone)) {
        img.fetchPriority = seen ? 'high' : 'low';
        img.src = thumbnailUrl(row);
        img.addEventListener('error', () => (img.dataset.failed = String(view.generation)), { once: true });
      }
      if (seen && img.hasAttribute('src')) {
        img.addEventListener('load', renderSoon, { once: true });
        img.addEventListener('error', renderSoon, { once: true });
      }
    }
    if (seen && !img?.complete) screenDone = false;
    tile.classList.toggle('starred', row?.[4] === 1);
    place(tile, x, y, layout.tile);
  }
  // The one tile the Tab key stops at: the focused photo's, else the first on screen.
  const stop = String(focus.index ?? tiles[0]?.index ?? -1);
  for (const element of shown.values())
    if (element.classList.contains('tile')) element.tabIndex = element.dataset.index === stop ? 0 : -1;
  for (const [key, element] of shown) {
    if (!wanted.has(key)) {
      // A thumbnail still loading for a tile gone from the screen is cancelled, freeing its connection.
      const img = element.firstElementChild;
      releaseThumbnail(img);
      if (img instanceof HTMLImageElement && !img.complete) img.removeAttribute('src');
      element.remove();
      shown.delete(key);
    }
  }
  // Placed by the script now: in the same task, so that no frame shows them between the two layouts.
  if (sizer.classList.contains('first')) endDrawn();
  if (missing) loadScreen(missing[0], missing[1]);
  // A screen's answer no longer wanted (the view changed, or the screen moved off it) is
  // cancelled: a scroll that leaps past screens does not wait behind theirs.
  else if (
    screenAsked &&
    (screenAsked.generation !== view.generation ||
      !tiles.some(({ index, y }) => onScreen(y) && awaitingScreen(index)))
  ) {
    screenAsked.controller.abort();
    screenAsked = undefined;
  }
  markScrubber(sectionAt(layout, top + 1));
  // The focused tile was removed (scrolled away, or its placeholder replaced) and is drawn again.
  if (
    focus.keep &&
    focus.index !== undefined &&
    (document.activeElement === null || document.activeElement === document.body)
  )
    tileAt(focus.index)?.focus({ preventScroll: true });
  if (screenDone && onScreenDone) {
    const done = onScreenDone;
    onScreenDone = undefined;
    done();
  }
}

/** Pixels a year label of the scrubber takes: closer labels would overlap, and all but the first hide. */
const YEAR_LABEL = 18;

/**
 * The scrubber: a track as tall as the timeline is long, one button per month spanning its share of
 * the timeline. The first month of each year carries the year's label, hidden where it would overlap
 * the one above (many years on a short track); the month viewed is marked, with its name beside it.
 */
function buildScrubber() {
  scrubber.replaceChildren();
  let year = '';
  for (const section of view.layout.sections) {
    const button = document.createElement('button');
    const label = monthLabel(section.month);
    button.setAttribute('aria-label', label);
    button.title = label;
    button.dataset.month = section.month;
    const y = section.month.slice(0, 4);
    if (y !== year) {
      button.className = 'year';
      const text = document.createElement('span');
      text.textContent = y;
      button.append(text);
    }
    year = y;
    scrubber.append(button);
  }
  scrubber.append(scrubberNow);
  placeScrubber();
  current = -1;
  // Where the last render drew (reading the grid's scroll position would lay out the new buttons now).
  markScrubber(sectionAt(view.layout, lastTop + 1));
}

/**
 * Places the scrubber's months by the layout (a new width changes their shares of the timeline), and
 * hides the year labels that would overlap the one shown above them (see YEAR_LABEL).
 */
function placeScrubber() {
  const { sections, height } = view.layout;
  for (const [i, section] of sections.entries()) {
    const button = scrubber.children[i] as HTMLElement | undefined;
    if (button?.dataset.month !== section.month) return; // the scrubber of another view
    button.style.top = `${(section.top / height) * 100}%`;
    button.style.height = `${(section.height / height) * 100}%`;
  }
  // The grid's height, which the track shares (both fill <main>): read by the render before it
  // changed anything, where the scrubber's own height asked for a layout of the page.
  const track = gridHeight;
  let last = Number.NEGATIVE_INFINITY;
  for (const button of scrubber.querySelectorAll<HTMLElement>('button.year')) {
    const label = button.firstElementChild as HTMLElement;
    const at = (Number.parseFloat(button.style.top) / 100) * track;
    // The last years' labels are lifted to stay on the track.
    const shown = Math.min(at, track - YEAR_LABEL);
    label.style.top = `${shown - at}px`;
    const overlaps = shown - last < YEAR_LABEL;
    button.classList.toggle('crowded', overlaps);
    if (!overlaps) last = shown;
  }
}

/** Pixels the pointer moves on the scrubber, button held, before a press is a drag and not a click. */
const DRAG_AFTER = 4;
/** The drag on the scrubber under way: its pointer, where it was pressed, whether it has moved yet. */
let drag: { pointer: number; y: number; moved: boolean } | undefined;
/** Whether the click that ends a drag is to be ignored (the drag has put the grid where it ends). */
let dragEnded = false;

/**
 * Dragging the scrubber moves the grid with the pointer: the timeline at the pointer's share of the
 * track, drawn as a scroll is (a fast drag passes over tiles, see `render`), and the screen it stops
 * on loaded as a jump's. A press without a move stays a click on its month.
 */
scrubber.addEventListener('pointerdown', (event) => {
  if (event.button !== 0 || view.total === 0) return;
  drag = { pointer: event.pointerId, y: event.clientY, moved: false };
  dragEnded = false;
});
scrubber.addEventListener('pointermove', (event) => {
  if (event.pointerId !== drag?.pointer) return;
  if (!drag.moved && Math.abs(event.clientY - drag.y) < DRAG_AFTER) return;
  if (!drag.moved) {
    drag.moved = true;
    // Captured only once dragged: a click keeps its target (the month button pressed).
    scrubber.setPointerCapture(event.pointerId);
  }
  const box = scrubber.getBoundingClientRect();
  if (box.height === 0) return;
  const share = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
  grid.scrollTop = share * view.layout.height;
  render();
});
const endDrag = (event: PointerEvent) => {
  if (event.pointerId !== drag?.pointer) return;
  const moved = drag.moved;
  drag = undefined;
  if (!moved) return;
  // The click this press makes comes in the same task, if it comes (not when let go off the track).
  dragEnded = event.type === 'pointerup';
  setTimeout(() => {
    dragEnded = false;
  }, 0);
  render(true);
};
scrubber.addEventListener('pointerup', endDrag);
scrubber.addEventListener('pointercancel', endDrag);

scrubber.addEventListener('click', (event) => {
  if (dragEnded) {
    dragEnded = false;
    return;
  }
  const button = (event.target as HTMLElement).closest<HTMLElement>('button');
  const { sections, height } = view.layout;
  let section = button ? sections.findIndex((s) => s.month === button.dataset.month) : -1;
  // Between buttons (a month too short to be hit): the month at that height of the track.
  if (section < 0) {
    const box = scrubber.getBoundingClientRect();
    if (box.height === 0 || sections.length === 0) return;
    section = sectionAt(view.layout, ((event.clientY - box.top) / box.height) * height);
  }
  const target = sections[section];
  if (!target) return;
  grid.scrollTop = target.top;
  // Drawn now, not at the scroll event of the next frame: its thumbnails are asked for sooner.
  render(true);
});

let current = -1;
function markScrubber(section: number) {
  if (section === current) return;
  // Every mark, not only the last: a relayout forgets which that was.
  for (const marked of scrubber.querySelectorAll('.current')) {
    marked.classList.remove('current');
    marked.removeAttribute('aria-current');
  }
  const month = view.layout.sections[section]?.month;
  const button = month ? (scrubber.children[section] as HTMLElement | undefined) : undefined;
  button?.classList.add('current');
  button?.setAttribute('aria-current', 'true');
  const label = month ? monthLabel(month) : '';
  stickyMonth.textContent = label;
  stickyMonth.hidden = !month;
  // `Sep 2021`: the track is narrow.
  scrubberNow.textContent = label.replace(/^(\S{3})\S*/, '$1');
  scrubberNow.hidden = !button;
  // At the month's top, kept on the track for the last months.
  if (button) scrubberNow.style.top = `min(${button.style.top}, calc(100% - 18px))`;
  current = section;
}

/** `keep`: the tiles drawn stay, to be moved (a scan added photos), not drawn afresh. */
export function relayout(keep = false) {
  view.width = grid.clientWidth;
  view.layout = layOut(view.months, view.width);
  sizer.style.height = `${view.layout.height}px`;
  if (!keep) {
    for (const element of view.shown.values()) {
      releaseThumbnail(element.firstElementChild);
      element.remove();
    }
    view.shown.clear();
  }
  // Drawn first: the render reads the grid's height, which the scrubber's placing uses.
  render();
  placeScrubber();
  current = -1;
  markScrubber(sectionAt(view.layout, lastTop + 1));
}

/** A view's months and size, with its first page of rows when the page carries them (see page.ts). */
export interface ViewAnswer {
  total: number;
  months: { month: string; count: number }[];
  rows?: Row[];
}

/**
 * Reads the view again; `keep` holds the scroll position (a scan added photos). `given` is the view
 * with its first page already at hand (the page carries the first screen), so nothing is asked.
 */
export async function reload(keep = false, scanning = false, given?: ViewAnswer) {
  const asked = ++view.generation;
  // A new view opens at its top: its first page is asked for with the view, not after it.
  const firstPage = keep || given ? undefined : getJson<{ rows: Row[] }>(pageUrl(0));
  firstPage?.catch(() => undefined); // reported by loadPage below, or moot if the view failed
  const answer = given ?? (await getJson<ViewAnswer>(`/api/view?${viewParams()}`));
  // A view read again (a scan added photos) comes with the rows of the pages drawn: swapping in a
  // view with none blanked every tile until its page came, and a scan's next change came sooner.
  const carried = keep ? await pagesDrawn() : undefined;
  if (asked !== view.generation) return;
  // The photo the keyboard is on, found again in the view read again: a scan that adds photos above
  // it moves it, and the focus follows the photo, not the place it was at.
  const focusedRow = keep && focus.index !== undefined ? rowAt(focus.index) : undefined;
  view.pages = new Map(carried);
  view.starts = new Map();
  if (focusedRow) {
    const at = indexOfPhoto(focusedRow[0], focusedRow[1]);
    if (at !== undefined) focus.index = at;
  }
  screenThumbnails.clear();
  if (given?.rows) view.pages.set(0, given.rows);
  if (firstPage) void loadPage(0, firstPage);
  view.months = answer.months;
  view.total = answer.total;
  if (!keep) grid.scrollTop = 0;
  relayout(keep);
  // The page's first view: the scrubber once the first screen is drawn and painted, which it is not
  // needed for (its buttons, and their layout, took a tenth of the task before the first tile).
  if (given) afterPaint(() => asked === view.generation && buildScrubber());
  else buildScrubber();
  document.body.dataset.total = String(view.total);
  if (!keep) focus.index = undefined;
  sayIfEmpty(scanning);
  if (!scanning) status.textContent = photoCount(view.total);
  // The page's own first view asks for pages as it needs them (see loadStarts); a view that changes
  // as a scan adds photos does without.
  if (!given && !scanning) void loadStarts();
}

/** The index in the view of photo `id` of root `root`, if a page held now has its row. */
function indexOfPhoto(root: number, id: number): number | undefined {
  for (const [number, page] of view.pages) {
    if (!Array.isArray(page)) continue;
    const i = page.findIndex((row) => row[0] === root && row[1] === id);
    if (i >= 0) return number * PAGE + i;
  }
  return undefined;
}

/** The pages of the tiles drawn, read again for the view as it is now. */
async function pagesDrawn(): Promise<[number, Row[]][]> {
  const numbers = new Set<number>();
  for (const tile of view.shown.values())
    if (tile.dataset.index !== undefined) numbers.add(Math.floor(Number(tile.dataset.index) / PAGE));
  const pages = await Promise.all(
    [...numbers].map((n) =>
      getJson<{ rows: Row[] }>(pageUrl(n)).then(
        ({ rows }) => [n, rows] as [number, Row[]],
        () => undefined,
      ),
    ),
  );
  return pages.filter((page) => page !== undefined);
}

/** Marks a photo starred or not wherever its row is held, and redraws. */
export function markRowStar(root: number, id: number, starred: boolean) {
  for (const page of view.pages.values()) {
    if (!Array.isArray(page)) continue;
    for (const row of page) if (row[0] === root && row[1] === id) row[4] = starred ? 1 : 0;
  }
  for (const row of view.starts.values()) if (row[0] === root && row[1] === id) row[4] = starred ? 1 : 0;
  render();
}

/** Dispatches `type` on a header control after changing it, so that the view is read again. */
function changeControl(control: HTMLInputElement | HTMLSelectElement, type: 'input' | 'change') {
  control.dispatchEvent(new Event(type, { bubbles: true }));
}

/**
 * An empty view says why (the search, the folder, the starred box, or a catalog without photos) and
 * offers to clear each filter that narrowed it, instead of showing an empty grid.
 */
function sayIfEmpty(scanning: boolean) {
  empty.hidden = view.total > 0;
  empty.replaceChildren();
  if (view.total > 0) return;
  const { search, folder, starred, roots } = elements;
  const query = search.value.trim();
  const text = document.createElement('p');
  const clears: [string, () => void][] = [];
  let said = starred.checked ? 'No starred photos' : 'No photos';
  if (query) {
    said += ` match “${query}”`;
    clears.push([
      'Clear the search',
      () => {
        search.value = '';
        changeControl(search, 'input');
      },
    ]);
  }
  if (folder.value !== '') {
    said += ` in the folder ${folder.value}`;
    clears.push([
      'Show all folders',
      () => {
        folder.value = '';
        changeControl(folder, 'change');
      },
    ]);
  }
  if (starred.checked)
    clears.push([
      'Show all photos, starred or not',
      () => {
        starred.checked = false;
        changeControl(starred, 'change');
      },
    ]);
  if (clears.length === 0)
    said =
      roots.value !== '' && roots.options.length > 1
        ? `No photos in ${roots.selectedOptions[0]?.text ?? 'this root'}`
        : scanning
          ? 'No photos yet: the scan has found none so far'
          : 'No photos in this catalog: scan its root (photolala scan, or serve --scan) to add them';
  text.textContent = `${said}.`;
  empty.append(text);
  for (const [label, clear] of clears) {
    const button = document.createElement('button');
    button.textContent = label;
    button.addEventListener('click', clear);
    empty.append(button);
  }
}
