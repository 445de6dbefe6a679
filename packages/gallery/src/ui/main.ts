import './style.css';
import { $, elements, getJson, photoCount } from './dom.js';
import {
  afterPaint,
  focus,
  focusPhoto,
  relayout,
  reload,
  render,
  type ViewAnswer,
  view,
  whenScreenDone,
} from './grid.js';
import { GAP, indexAt, MOVE_KEYS, stepFrom, topOf } from './layout.js';
import { closeLightbox, markStar, open, show, toggleStar } from './lightbox.js';
import { thousands } from './numbers.js';

/**
 * How long after the first screen shows the folder list is asked for, unless the pointer comes to
 * it first: counting the folders holds the server for a tenth of a second at 100,000 photos, which a
 * jump made then waited for, and a user jumps soonest just after the first screen.
 */
const FOLDERS_AFTER_MS = 5000;

/** The server's events are listened to at the latest this long after the page's first view is read. */
const EVENTS_AFTER_MS = 2000;

const {
  grid,
  status,
  roots: rootsSelect,
  folder: folderSelect,
  search: searchBox,
  starred: starredBox,
} = elements;

/** `quiet`: a prefetch, answered once the server is idle, so as not to hold up a jump made meanwhile. */
async function loadFolders(quiet = false) {
  const roots = rootsSelect.value === '' ? '' : `roots=${rootsSelect.value}`;
  const query = [roots, quiet ? 'quiet=1' : ''].filter(Boolean).join('&');
  const { folders } = await getJson<{ folders: { path: string; count: number }[] }>(
    `/api/folders${query ? `?${query}` : ''}`,
  );
  const chosen = folderSelect.value;
  folderSelect.replaceChildren(new Option('All folders', ''));
  for (const { path, count } of folders) {
    const depth = path.split('/').length - 1;
    const name = path.slice(path.lastIndexOf('/') + 1);
    folderSelect.append(new Option(`${'\u00a0\u00a0'.repeat(depth)}${name} (${count})`, path));
  }
  folderSelect.value = folders.some((f) => f.path === chosen) ? chosen : '';
}

// ---- input ----

grid.addEventListener('scroll', () => render(), { passive: true });
/**
 * A new width lays the tiles out anew: the photo at the top of the screen stays where it was, rather
 * than the scroll offset, which now falls on other photos.
 */
let anchored: { index: number; shift: number; top: number } | undefined;
/** Observed once the first view is laid out (see `start`): its first call, for the width it has, changes nothing. */
const resized = new ResizeObserver(() => {
  // Taller or shorter only (or the observer's first call): the same layout, more or fewer tiles.
  if (grid.clientWidth === view.width) {
    anchored = undefined;
    render();
    return;
  }
  // Resized again with no scroll between: the same photo, not the first of the row it moved to.
  const again = anchored?.top === grid.scrollTop ? anchored : undefined;
  const index = again?.index ?? (view.total > 0 ? indexAt(view.layout, grid.scrollTop) : undefined);
  const shift = again?.shift ?? (index === undefined ? 0 : topOf(view.layout, index) - grid.scrollTop);
  relayout();
  if (index === undefined || index >= view.total) {
    anchored = undefined;
    return;
  }
  grid.scrollTop = topOf(view.layout, index) - shift;
  anchored = { index, shift, top: grid.scrollTop };
  render();
});
grid.addEventListener('click', (event) => {
  const tile = (event.target as HTMLElement).closest<HTMLElement>('.tile');
  if (tile?.dataset.index) void show(Number(tile.dataset.index));
});
// The photo the keyboard is on: a tile focused by a click or Tab is where the arrows start from.
grid.addEventListener('focusin', (event) => {
  const index = (event.target as HTMLElement).dataset.index;
  if (index === undefined) return;
  focus.index = Number(index);
  focus.keep = true;
});
// The focus gone elsewhere (another control, a click outside the grid) is not brought back to a
// tile drawn again; a focused tile removed by the virtualizer leaves it on the body, which is.
document.addEventListener('focusin', (event) => {
  if (!grid.contains(event.target as Node)) focus.keep = false;
});
document.addEventListener('pointerdown', (event) => {
  if (!grid.contains(event.target as Node)) focus.keep = false;
});
document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const focused = (document.activeElement as HTMLElement | null)?.dataset.index;
  const index = open ?? (focused !== undefined ? Number(focused) : undefined);
  if (open !== undefined) {
    if (event.key === 'Escape') closeLightbox();
    else if (event.key === 'ArrowRight') void show(open + 1);
    else if (event.key === 'ArrowLeft') void show(open - 1);
  } else if (
    MOVE_KEYS.has(event.key) &&
    view.total > 0 &&
    // In the grid, or on the page after the focused tile was scrolled away and removed.
    (grid.contains(event.target as Node) || (event.target === document.body && focus.keep))
  ) {
    // Arrows, Home/End and PageUp/PageDown move between tiles (the grid does not scroll by itself).
    event.preventDefault();
    const at = index ?? focus.index;
    const from = at ?? indexAt(view.layout, grid.scrollTop) ?? 0;
    const screenRows = Math.max(1, Math.floor(grid.clientHeight / (view.layout.tile + GAP)) - 1);
    focusPhoto(at === undefined ? from : stepFrom(view.layout, view.total, from, event.key, screenRows));
  } else if ((event.key === 'Enter' || event.key === ' ') && focused !== undefined) {
    event.preventDefault();
    void show(Number(focused));
  }
  if (event.key === 's' && index !== undefined) void toggleStar(index);
});
$('prev').addEventListener('click', () => open !== undefined && void show(open - 1));
$('next').addEventListener('click', () => open !== undefined && void show(open + 1));
$('close').addEventListener('click', closeLightbox);
elements.star.addEventListener('click', () => open !== undefined && void toggleStar(open));

let typing: number | undefined;
searchBox.addEventListener('input', () => {
  clearTimeout(typing);
  typing = window.setTimeout(() => void reload(false, scanning.size > 0), 200);
});
starredBox.addEventListener('change', () => void reload(false, scanning.size > 0));
folderSelect.addEventListener('change', () => void reload(false, scanning.size > 0));
rootsSelect.addEventListener('change', () => {
  void loadFolders().then(() => reload(false, scanning.size > 0));
});

// ---- live changes, pushed by the server ----

const scanning = new Set<number>();
let refreshing: number | undefined;

/**
 * The server's events, listened to once the first screen shows (see `start`): the stream holds one
 * of the browser's six connections to the server for good, which the first screen's thumbnails
 * waited for.
 */
function listen() {
  const events = new EventSource('/api/events');
  // What changed before the stream was opened (photos a scan added or another process published, a
  // star from another tab) is not missed: the view is read again when the server's revision is not
  // the one the page was made at, or a scan is running.
  let madeAt = document.querySelector<HTMLMetaElement>('meta[name="photolala-revision"]')?.content;
  events.addEventListener('hello', (event) => {
    const { scanning: roots, revision } = JSON.parse(event.data) as {
      scanning?: number[];
      revision?: number;
    };
    const running = Array.isArray(roots) ? roots.filter((root) => Number.isInteger(root)) : [];
    for (const root of running) scanning.add(root);
    if (running.length > 0 || String(revision) !== madeAt) refresh();
    madeAt = String(revision);
  });
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
        ? `scanning: ${thousands(p.discovered)} files found`
        : `scanning: ${thousands(p.digested)} of ${thousands(p.total)} photos digested`;
  });
  events.addEventListener('photos', refresh);
  events.addEventListener('scanned', (event) => {
    scanning.delete((JSON.parse(event.data) as { root: number }).root);
    if (!scanning.size) {
      finished = true;
      status.textContent = `${photoCount(view.total)} · scan finished`;
    }
  });
  events.addEventListener('star', (event) => {
    const s = JSON.parse(event.data) as { root: number; id: number; starred: boolean };
    markStar(s.root, s.id, s.starred);
  });
  // The stream drops when `serve` stops (Ctrl-C) and the browser keeps trying it: until it answers
  // again, nothing the page asks for comes and no star is saved, which the user must be told.
  const stopped = $<HTMLParagraphElement>('stopped');
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.OPEN) return;
    stopped.textContent =
      'The gallery server is not answering (was `photolala serve` stopped?): photos cannot load and stars are not saved. Start it again and reload this page.';
    stopped.hidden = false;
  });
  events.addEventListener('open', () => {
    stopped.hidden = true;
  });
  events.addEventListener('saved', () => {
    if (!scanning.size) status.textContent = `${photoCount(view.total)} · stars saved`;
  });
}

/** Whether a scan of this run has finished (the status says so until something else happens). */
let finished = false;

/** The view read again where the user is, once per burst of a scan's photos. */
function refresh() {
  // A scan adds photos in bursts: one refresh per burst, where the user is.
  clearTimeout(refreshing);
  refreshing = window.setTimeout(
    () =>
      void reload(true, scanning.size > 0).then(() => {
        // The scan's last photos come after it says it finished: said again once they show.
        if (finished && !scanning.size) status.textContent = `${photoCount(view.total)} · scan finished`;
        return loadFolders();
      }),
    300,
  );
}

// ---- start ----

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
  // The folders wait for the first screen's thumbnails: the server answers one request at a time,
  // and counting the folders of 100,000 photos would hold up the thumbnails the user waits for.
  // Then when the pointer comes to the list or it is opened, or a while after (FOLDERS_AFTER_MS).
  whenScreenDone(() => {
    let asked = false;
    const ask = (quiet: boolean) => {
      if (asked) return;
      asked = true;
      void loadFolders(quiet);
    };
    for (const type of ['pointerenter', 'pointerdown', 'focus', 'keydown'])
      folderSelect.addEventListener(type, () => ask(false), { once: true });
    window.setTimeout(() => ask(true), FOLDERS_AFTER_MS);
    listenOnce();
  });
  // The page carries the roots (see page.ts), sparing a round trip before the photos are asked for.
  const inline = document.getElementById('roots-data')?.textContent;
  const roots = inline
    ? (JSON.parse(inline) as RootInfo[])
    : (await getJson<{ roots: RootInfo[] }>('/api/roots')).roots;
  showOffline(roots);
  if (roots.length > 1) rootsSelect.append(new Option('All roots', ''));
  for (const root of roots) rootsSelect.append(new Option(root.uri, String(root.index)));
  if (roots.length === 1) rootsSelect.hidden = true;
  // The page carries the first screen's months and rows too: no round trip before the thumbnails.
  const first = document.getElementById('first-screen')?.textContent;
  await reload(false, false, first ? (JSON.parse(first) as ViewAnswer) : undefined).finally(() => {
    // Laid out for the grid's width now: the observer's first call (that width) redraws nothing.
    resized.observe(grid);
    // The events once the first screen shows, or a while after (a thumbnail that never comes).
    window.setTimeout(listenOnce, EVENTS_AFTER_MS);
  });
  // An empty view has no screen to finish.
  if (view.total === 0) {
    listenOnce();
    void loadFolders();
  }
}

let listening = false;
function listenOnce() {
  if (listening) return;
  listening = true;
  listen();
}

/** The longest the script waits for the first screen's thumbnails before it starts (see below). */
const FIRST_SCREEN_WAIT_MS = 1000;

/**
 * Runs `task` after the frame that paints the first screen's thumbnails, once all have loaded (or
 * failed), or FIRST_SCREEN_WAIT_MS after the page, or as soon as the user acts on the page: the
 * script's start is one long task of the main thread, and a thumbnail that arrived during it would
 * wait for its end to be painted.
 */
function afterFirstScreen(task: () => void) {
  const inputs = ['pointerdown', 'keydown', 'wheel', 'touchstart'];
  let started = false;
  const go = () => {
    if (started) return;
    started = true;
    for (const type of inputs) window.removeEventListener(type, go, true);
    afterPaint(task);
  };
  const loading = [...document.querySelectorAll<HTMLImageElement>('#sizer.first img')].filter(
    (img) => !img.complete,
  );
  let pending = loading.length;
  const settled = () => {
    if (--pending === 0) go();
  };
  for (const img of loading) {
    img.addEventListener('load', settled, { once: true });
    img.addEventListener('error', settled, { once: true });
  }
  for (const type of inputs) window.addEventListener(type, go, { capture: true, passive: true });
  window.setTimeout(go, FIRST_SCREEN_WAIT_MS);
  if (pending === 0) go();
}

// The server drew the first screen (page.ts): the browser lays it out and paints it, thumbnails and
// all, as it would a static page, and the script takes it over after that, rather than laying out
// the page before the first frame. A page opened in a background tab paints no frame until shown:
// it starts at once.
if (document.getElementById('sizer')?.classList.contains('first') && document.visibilityState === 'visible')
  afterFirstScreen(() => void start());
else void start();
