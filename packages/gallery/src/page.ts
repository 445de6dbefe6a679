import { readFile } from 'node:fs/promises';

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

/**
 * `<link rel=preload>`s for the first rows' thumbnails, at the URLs the grid gives them (ui/grid.ts
 * `thumbnailUrl`), so the browser asks for them while it parses and runs the script instead of
 * after. Rows are read defensively: only a root number and a photo-md5 make a URL.
 */
function preloads(first: FirstScreenData | undefined): string {
  const links: string[] = [];
  for (const row of first?.rows.slice(0, PRELOAD_THUMBNAILS) ?? []) {
    const [root, , md5] = row;
    if (!Number.isInteger(root) || typeof md5 !== 'string' || !/^[0-9a-f]{32}$/.test(md5)) continue;
    links.push(
      `<link rel="preload" as="image" fetchpriority="high" href="/api/roots/${root}/thumbnails/${md5}">`,
    );
  }
  return links.join('\n');
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
): string {
  const title = roots.length === 1 ? roots[0]!.uri : `${roots.length} roots`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
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
  <div id="grid" tabindex="0"><div id="sizer"></div></div>
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
