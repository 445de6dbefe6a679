import './style.css';
import { GAP, type Layout, layOut, sectionAt, visible } from './layout.js';
import { describePhoto, type PhotoDetail } from './metadata.js';

/** A photo as the API's pages list it: [root, id, photo-md5, name, starred]. */
type Row = [number, number, string, string, 0 | 1];

const PAGE = 300;
/** Tiles are kept this far above and below the screen, so a scroll finds them ready. */
const MARGIN = 800;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const grid = $<HTMLDivElement>('grid');
const sizer = $<HTMLDivElement>('sizer');
const scrubber = $<HTMLElement>('scrubber');
const status = $<HTMLSpanElement>('status');
const rootsSelect = $<HTMLSelectElement>('roots');
const folderSelect = $<HTMLSelectElement>('folder');
const searchBox = $<HTMLInputElement>('search');
const starredBox = $<HTMLInputElement>('starred');
const lightbox = $<HTMLDivElement>('lightbox');
const preview = $<HTMLImageElement>('preview');
const info = $<HTMLDListElement>('info');
const starButton = $<HTMLButtonElement>('star');

const token = new URLSearchParams(location.search).get('token') ?? '';

let months: { month: string; count: number }[] = [];
let total = 0;
let layout: Layout = layOut([], 800);
/** Pages of rows by page number; a new view (filters, a scan) starts afresh. */
let pages = new Map<number, Row[] | Promise<void>>();
let generation = 0;
const shown = new Map<string, HTMLElement>();
let open: number | undefined;

function viewParams(): string {
  const params = new URLSearchParams();
  if (rootsSelect.value !== '') params.set('roots', rootsSelect.value);
  if (folderSelect.value !== '') params.set('folder', folderSelect.value);
  if (searchBox.value.trim() !== '') params.set('q', searchBox.value.trim());
  if (starredBox.checked) params.set('starred', '1');
  return params.toString();
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function rowAt(index: number): Row | undefined {
  const page = pages.get(Math.floor(index / PAGE));
  return Array.isArray(page) ? page[index % PAGE] : undefined;
}

const pageUrl = (number: number) => `/api/photos?${viewParams()}&offset=${number * PAGE}&limit=${PAGE}`;

/**
 * Fetches the page holding `index` once; resolves when it is there (or the view changed). `asking`
 * is that page's request if it was made already.
 */
function loadPage(index: number, asking?: Promise<{ rows: Row[] }>): Promise<void> {
  const number = Math.floor(index / PAGE);
  const have = pages.get(number);
  if (Array.isArray(have)) return Promise.resolve();
  if (have) return have;
  const asked = generation;
  const loading = (asking ?? getJson<{ rows: Row[] }>(pageUrl(number)))
    .then(({ rows }) => {
      if (asked !== generation) return;
      pages.set(number, rows);
      render();
    })
    .catch((error: Error) => {
      if (asked === generation) pages.delete(number);
      status.textContent = error.message;
    });
  pages.set(number, loading);
  return loading;
}

const thumbnailUrl = (row: Row) => `/api/roots/${row[0]}/thumbnails/${row[2]}`;

function place(element: HTMLElement, x: number, y: number, width?: number) {
  element.style.transform = `translate(${x}px, ${y}px)`;
  if (width !== undefined) {
    element.style.width = `${width}px`;
    element.style.height = `${width}px`;
  }
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

/** Where the last render drew, whether it had moved a screen or more, and the render after a fling. */
let lastTop = 0;
let lastLeapt = false;
let settling: number | undefined;

/**
 * Draws what is on screen (plus MARGIN), reusing the elements already there. A scroll that leaps a
 * screen or more twice running (a fling, a drag of the scrollbar) only passes over tiles: they are
 * drawn empty, and get their rows and thumbnails once it slows or pauses, so that the screen it stops
 * on is not queued behind hundreds of requests for tiles long gone. One leap (the scrubber) loads at
 * once. Thumbnails on screen are asked for first.
 */
function render() {
  const top = grid.scrollTop;
  const bottom = top + grid.clientHeight;
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
  let screenDone = true;
  const wanted = new Set<string>();
  for (const section of headers) {
    const key = `m${section.month}`;
    wanted.add(key);
    let header = shown.get(key);
    if (!header) {
      header = document.createElement('div');
      header.className = 'month';
      header.textContent = monthLabel(section.month);
      sizer.append(header);
      shown.set(key, header);
    }
    place(header, GAP, section.top);
  }
  for (const { index, x, y } of tiles) {
    const row = rowAt(index);
    if (!row && !flying) void loadPage(index);
    const key = row ? `t${index}:${row[0]}:${row[1]}` : `p${index}`;
    wanted.add(key);
    let tile = shown.get(key);
    if (!tile) {
      tile = document.createElement('div');
      tile.className = 'tile';
      tile.dataset.index = String(index);
      if (row) {
        tile.tabIndex = 0;
        tile.title = row[3];
        const img = document.createElement('img');
        img.alt = row[3];
        img.decoding = 'async';
        tile.append(img);
      }
      sizer.append(tile);
      shown.set(key, tile);
    }
    const img = tile.firstElementChild as HTMLImageElement | null;
    const seen = onScreen(y);
    if (row && img && !flying && !img.hasAttribute('src') && (seen || screenDone)) {
      img.fetchPriority = seen ? 'high' : 'low';
      img.src = thumbnailUrl(row);
      if (seen) {
        img.addEventListener('load', renderSoon, { once: true });
        img.addEventListener('error', renderSoon, { once: true });
      }
    }
    if (seen && !img?.complete) screenDone = false;
    tile.classList.toggle('starred', row?.[4] === 1);
    place(tile, x, y, layout.tile);
  }
  for (const [key, element] of shown) {
    if (!wanted.has(key)) {
      // A thumbnail still loading for a tile gone from the screen is cancelled, freeing its connection.
      const img = element.firstElementChild;
      if (img instanceof HTMLImageElement && !img.complete) img.removeAttribute('src');
      element.remove();
      shown.delete(key);
    }
  }
  markScrubber(sectionAt(layout, top + 1));
}

function monthLabel(month: string): string {
  const [year, m] = month.split('-').map(Number);
  return new Date(Date.UTC(year!, m! - 1)).toLocaleString('en', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

function buildScrubber() {
  scrubber.replaceChildren();
  let year = '';
  layout.sections.forEach((section, i) => {
    const button = document.createElement('button');
    const y = section.month.slice(0, 4);
    button.textContent = y !== year ? y : monthLabel(section.month).split(' ')[0]!.slice(0, 3);
    button.title = monthLabel(section.month);
    if (y !== year) button.className = 'year';
    year = y;
    button.dataset.month = section.month;
    button.addEventListener('click', () => {
      grid.scrollTop = layout.sections[i]!.top;
    });
    scrubber.append(button);
  });
}

let current = -1;
function markScrubber(section: number) {
  if (section === current) return;
  scrubber.children[current]?.classList.remove('current');
  scrubber.children[section]?.classList.add('current');
  current = section;
}

function relayout() {
  layout = layOut(months, grid.clientWidth);
  sizer.style.height = `${layout.height}px`;
  for (const element of shown.values()) element.remove();
  shown.clear();
  current = -1;
  render();
}

/** Reads the view again; `keep` holds the scroll position (a scan added photos). */
async function reload(keep = false) {
  const asked = ++generation;
  // A new view opens at its top: its first page is asked for with the view, not after it.
  const firstPage = keep ? undefined : getJson<{ rows: Row[] }>(pageUrl(0));
  firstPage?.catch(() => undefined); // reported by loadPage below, or moot if the view failed
  const view = await getJson<{ total: number; months: { month: string; count: number }[] }>(
    `/api/view?${viewParams()}`,
  );
  if (asked !== generation) return;
  pages = new Map();
  if (firstPage) void loadPage(0, firstPage);
  months = view.months;
  total = view.total;
  if (!keep) grid.scrollTop = 0;
  relayout();
  buildScrubber();
  document.body.dataset.total = String(total);
  if (!scanning.size) status.textContent = `${total.toLocaleString('en')} photos`;
}

async function loadFolders() {
  const roots = rootsSelect.value === '' ? '' : `?roots=${rootsSelect.value}`;
  const { folders } = await getJson<{ folders: { path: string; count: number }[] }>(`/api/folders${roots}`);
  const chosen = folderSelect.value;
  folderSelect.replaceChildren(new Option('All folders', ''));
  for (const { path, count } of folders) {
    const depth = path.split('/').length - 1;
    const name = path.slice(path.lastIndexOf('/') + 1);
    folderSelect.append(new Option(`${'\u00a0\u00a0'.repeat(depth)}${name} (${count})`, path));
  }
  folderSelect.value = folders.some((f) => f.path === chosen) ? chosen : '';
}

// ---- the lightbox ----

async function show(index: number) {
  if (index < 0 || index >= total) return;
  await loadPage(index);
  const row = rowAt(index);
  if (!row) return;
  open = index;
  lightbox.hidden = false;
  lightbox.dataset.index = String(index);
  preview.src = `/api/roots/${row[0]}/previews/${row[2]}`;
  preview.alt = row[3];
  starButton.classList.toggle('on', row[4] === 1);
  starButton.textContent = row[4] === 1 ? '★' : '☆';
  info.replaceChildren();
  const detail = await getJson<PhotoDetail>(`/api/roots/${row[0]}/photos/${row[1]}`);
  if (open !== index) return;
  for (const { field, label, value, href } of describePhoto(detail)) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.dataset.field = field;
    if (href) {
      const a = document.createElement('a');
      a.href = href;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.textContent = value;
      dd.append(a);
    } else dd.textContent = value;
    info.append(dt, dd);
  }
  lightbox.dataset.loaded = String(index);
}

function closeLightbox() {
  const index = open;
  open = undefined;
  lightbox.hidden = true;
  preview.removeAttribute('src');
  if (index !== undefined) {
    for (const tile of shown.values()) if (tile.dataset.index === String(index)) tile.focus();
  }
}

async function toggleStar(index: number) {
  const row = rowAt(index);
  if (!row) return;
  const starred = row[4] !== 1;
  const response = await fetch(`/api/roots/${row[0]}/photos/${row[1]}/star`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Photolala-Token': token },
    body: JSON.stringify({ starred }),
  });
  if (!response.ok) {
    status.textContent = `could not star ${row[3]}: ${(await response.json()).error}`;
    return;
  }
  markStar(row[0], row[1], starred);
}

function markStar(root: number, id: number, starred: boolean) {
  for (const page of pages.values()) {
    if (!Array.isArray(page)) continue;
    for (const row of page) if (row[0] === root && row[1] === id) row[4] = starred ? 1 : 0;
  }
  const row = open !== undefined ? rowAt(open) : undefined;
  if (row && row[0] === root && row[1] === id) {
    starButton.classList.toggle('on', starred);
    starButton.textContent = starred ? '★' : '☆';
  }
  render();
}

// ---- events ----

grid.addEventListener('scroll', () => render(), { passive: true });
new ResizeObserver(() => relayout()).observe(grid);
grid.addEventListener('click', (event) => {
  const tile = (event.target as HTMLElement).closest<HTMLElement>('.tile');
  if (tile?.dataset.index) void show(Number(tile.dataset.index));
});
document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
  const focused = (document.activeElement as HTMLElement | null)?.dataset.index;
  const index = open ?? (focused !== undefined ? Number(focused) : undefined);
  if (open !== undefined) {
    if (event.key === 'Escape') closeLightbox();
    else if (event.key === 'ArrowRight') void show(open + 1);
    else if (event.key === 'ArrowLeft') void show(open - 1);
  } else if (event.key === 'Enter' && index !== undefined) void show(index);
  if (event.key === 's' && index !== undefined) void toggleStar(index);
});
$('prev').addEventListener('click', () => open !== undefined && void show(open - 1));
$('next').addEventListener('click', () => open !== undefined && void show(open + 1));
$('close').addEventListener('click', closeLightbox);
starButton.addEventListener('click', () => open !== undefined && void toggleStar(open));

let typing: number | undefined;
searchBox.addEventListener('input', () => {
  clearTimeout(typing);
  typing = window.setTimeout(() => void reload(), 200);
});
starredBox.addEventListener('change', () => void reload());
folderSelect.addEventListener('change', () => void reload());
rootsSelect.addEventListener('change', () => {
  void loadFolders().then(() => reload());
});

const scanning = new Set<number>();
let refreshing: number | undefined;
const events = new EventSource('/api/events');
events.addEventListener('progress', (event) => {
  const p = JSON.parse(event.data) as {
    root: number;
    phase: string;
    digested: number;
    total: number;
    discovered: number;
  };
  scanning.add(p.root);
  status.textContent =
    p.phase === 'discover'
      ? `scanning: ${p.discovered.toLocaleString('en')} files found`
      : `scanning: ${p.digested.toLocaleString('en')} of ${p.total.toLocaleString('en')} photos digested`;
});
events.addEventListener('photos', () => {
  // A scan adds photos in bursts: one refresh per burst, where the user is.
  clearTimeout(refreshing);
  refreshing = window.setTimeout(() => void reload(true).then(loadFolders), 300);
});
events.addEventListener('scanned', (event) => {
  scanning.delete((JSON.parse(event.data) as { root: number }).root);
  if (!scanning.size) status.textContent = `${total.toLocaleString('en')} photos · scan finished`;
});
events.addEventListener('star', (event) => {
  const s = JSON.parse(event.data) as { root: number; id: number; starred: boolean };
  markStar(s.root, s.id, s.starred);
});
events.addEventListener('saved', () => {
  if (!scanning.size) status.textContent = `${total.toLocaleString('en')} photos · stars saved`;
});

interface RootInfo {
  index: number;
  uri: string;
  offline: { reason: string; savedAt?: string } | null;
}

/** Says which roots could not be reached, and how old the cached catalog shown for each is. */
function showOffline(roots: RootInfo[]) {
  const lines = roots.flatMap((root) =>
    root.offline
      ? [
          `${root.uri} cannot be reached: showing its cached catalog${root.offline.savedAt ? ` saved ${new Date(root.offline.savedAt).toLocaleString()}` : ''}; photos not cached cannot be opened`,
        ]
      : [],
  );
  const banner = $<HTMLParagraphElement>('offline');
  banner.textContent = lines.join(' · ');
  banner.hidden = lines.length === 0;
}

async function start() {
  const { roots } = await getJson<{ roots: RootInfo[] }>('/api/roots');
  showOffline(roots);
  if (roots.length > 1) rootsSelect.append(new Option('All roots', ''));
  for (const root of roots) rootsSelect.append(new Option(root.uri, String(root.index)));
  if (roots.length === 1) rootsSelect.hidden = true;
  // The view's requests go first: the server answers one at a time, and the folders of 100,000
  // photos took it 200 ms, which the first screen waited for when they went first.
  await Promise.all([reload(), loadFolders()]);
}
void start();
