import { readFile } from 'node:fs/promises';
import { monthLabel } from './ui/months.js';

/** The built UI (see tsup.config.ts): the same folder from the sources and from dist. */
const UI_FOLDER = new URL('../dist/ui/', import.meta.url);

const ASSETS = [
  { name: 'app.js', type: 'text/javascript; charset=utf-8' },
  { name: 'app.css', type: 'text/css; charset=utf-8' },
];

/** The UI's script and stylesheet, read once: only these names are ever served as files. */
export async function readAssets(): Promise<Map<string, { type: string; body: string }>> {
  const assets = new Map<string, { type: string; body: string }>();
  for (const { name, type } of ASSETS) {
    try {
      assets.set(name, { type, body: await readFile(new URL(name, UI_FOLDER), 'utf8') });
    } catch (cause) {
      throw new Error(
        `the gallery's web UI is not built (${new URL(name, UI_FOLDER).pathname} is missing): run pnpm build`,
        { cause },
      );
    }
  }
  return assets;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** What the page is told of the roots served, with it (see ui/main.ts `RootInfo`). */
export interface RootInfo {
  index: number;
  uri: string;
  offline: { reason: string; savedAt?: string } | null;
}

/** The first screen of the whole library (see server.ts `firstScreen`), as `/api/view` and `/api/photos` give it. */
export interface FirstScreenData {
  total: number;
  months: { month: string; count: number }[];
  rows: (string | number)[][];
}

/**
 * Thumbnails of the first screen the page asks for from its head, before its script has laid out
 * the grid (see `preloads`): a laptop screen's first screen, with its margin below.
 */
export const PRELOAD_THUMBNAILS = 48;

const isMd5 = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);
const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * `<link rel=preload>`s for the first rows' thumbnails, at the URLs the grid gives them (ui/grid.ts
 * `thumbnailUrl`), so the browser asks for them while it parses and runs the script instead of
 * after. Rows are read defensively: only a root number and a photo-md5 make a URL.
 */
function preloads(first: FirstScreenData | undefined): string {
  const links: string[] = [];
  for (const row of first?.rows.slice(0, PRELOAD_THUMBNAILS) ?? []) {
    const [root, , md5] = row;
    if (!isId(root) || !isMd5(md5)) continue;
    links.push(
      `<link rel="preload" as="image" fetchpriority="high" href="/api/roots/${root}/thumbnails/${md5}">`,
    );
  }
  return links.join('\n');
}

/**
 * The first screen's tiles and month headers, drawn by the server: the browser paints them (and asks
 * for their thumbnails) as it parses, before the script has run or laid out anything. The same DOM
 * as ui/grid.ts `newTile` draws, each element named by its key there (`data-key`), so that the
 * script adopts them rather than drawing them again; laid out by CSS (`#sizer.first` in style.css) as
 * ui/layout.ts lays them out, until the script places them. Rows are untrusted: a row that is not
 * [root, id, photo-md5, name, starred, badge?] ends the tiles drawn, and every text is escaped.
 */
function firstTiles(first: FirstScreenData | undefined): { sticky: string; tiles: string } {
  const parts: string[] = [];
  const months = first?.months ?? [];
  const rows = first?.rows.slice(0, PRELOAD_THUMBNAILS) ?? [];
  let section = -1;
  let sectionEnd = 0;
  for (const [index, row] of rows.entries()) {
    const [root, id, md5, name, starred, badge] = row;
    if (!isId(root) || !isId(id) || !isMd5(md5) || typeof name !== 'string') break;
    if ((starred !== 0 && starred !== 1) || (badge !== undefined && typeof badge !== 'string')) break;
    while (index >= sectionEnd && section + 1 < months.length) {
      const next = months[++section]!;
      if (typeof next.month !== 'string' || !isId(next.count)) return { sticky: '', tiles: '' };
      if (next.count === 0) continue;
      sectionEnd += next.count;
      const key = `m${next.month}`;
      parts.push(
        `<div class="month" data-key="${escapeHtml(key)}">${escapeHtml(monthLabel(next.month))}</div>`,
      );
    }
    if (index >= sectionEnd) break;
    const label = escapeHtml(name);
    parts.push(
      `<div class="tile${starred === 1 ? ' starred' : ''}" data-key="t${root}:${id}" data-index="${index}" tabindex="${index === 0 ? 0 : -1}" role="button" title="${label}" aria-label="${label}">` +
        `<img alt="${label}" decoding="async" fetchpriority="high" src="/api/roots/${root}/thumbnails/${md5}">` +
        `${badge ? `<span class="badge">${escapeHtml(badge)}</span>` : ''}</div>`,
    );
  }
  if (parts.length === 0) return { sticky: '', tiles: '' };
  const top = months.find((m) => isId(m.count) && m.count > 0)?.month ?? '';
  return {
    sticky: `<div id="sticky-month" aria-hidden="true">${escapeHtml(monthLabel(top))}</div>`,
    tiles: parts.join('\n'),
  };
}

/** JSON safe inside a <script> element: no `<` that could close it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The one page, with its stylesheet, its script, the roots and the first screen's months and rows
 * inline: a 100,000-photo gallery's first screen waited for round trips (page, then script, then
 * roots, then the view and its first page) before asking for its thumbnails. The script builds
 * everything else from the API.
 */
export function pageHtml(
  roots: RootInfo[],
  assets: Map<string, { body: string }>,
  first?: FirstScreenData,
  revision = 0,
): string {
  const title = roots.length === 1 ? roots[0]!.uri : `${roots.length} roots`;
  const { sticky, tiles } = firstTiles(first);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="photolala-revision" content="${Number.isSafeInteger(revision) ? revision : 0}">
<title>Photolala · ${escapeHtml(title)}</title>
${preloads(first)}
<style>${assets.get('app.css')?.body ?? ''}</style>
</head>
<body>
<header>
  <strong>Photolala</strong>
  <select id="roots" aria-label="Roots"></select>
  <select id="folder" aria-label="Folder"><option value="">All folders</option></select>
  <input id="search" type="search" placeholder="Search file names" aria-label="Search file names">
  <label><input id="starred" type="checkbox"> Starred only</label>
  <span id="status" role="status"></span>
</header>
<p id="offline" role="alert" hidden></p>
<p id="stopped" role="alert" hidden></p>
<main>
  <div id="grid" tabindex="0">${sticky}<div id="sizer"${tiles ? ' class="first"' : ''}>${tiles}</div></div>
  <nav id="scrubber" aria-label="Months"></nav>
</main>
<div id="lightbox" hidden>
  <figure><img id="preview" alt=""><video id="video" controls playsinline preload="metadata" hidden></video></figure>
  <aside>
    <div class="buttons">
      <button id="prev" title="Previous (←)">←</button>
      <button id="next" title="Next (→)">→</button>
      <button id="star" title="Star (s)">☆</button>
      <button id="close" title="Close (Esc)">✕</button>
    </div>
    <ul id="members" aria-label="Attached files" hidden></ul>
    <dl id="info"></dl>
  </aside>
</div>
<script type="application/json" id="roots-data">${scriptJson(roots)}</script>
${first ? `<script type="application/json" id="first-screen">${scriptJson(first)}</script>` : ''}
<script>${assets.get('app.js')?.body.replace(/<\/script/gi, '<\\/script') ?? ''}</script>
</body>
</html>
`;
}
