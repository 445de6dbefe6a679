import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import {
  type Catalog,
  describeError,
  type FirstScreenPhoto,
  isPhotolalaError,
  metadataDocumentSchema,
} from '@photolala/core';
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { galleryUrl } from './gallery-url.js';
import { badgeOf, type Photo, RootPhotos } from './library.js';
import { cachedThumbnail, mediaRoutes } from './media-routes.js';
import { type FirstScreenData, pageHtml, readAssets } from './page.js';
import { pathOf, Refusal, rootOf } from './refusal.js';
import { Library, type View, type ViewQuery } from './views.js';

export interface GalleryOptions {
  /** Opened catalogs, one per root; the gallery never closes them. */
  catalogs: Catalog[];
  /** Default 127.0.0.1. Any other address needs `token` (given, not made up), since a LAN can reach it. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The secret every write must carry (and, off loopback, every request); made up per run if absent. */
  token?: string;
  /** Scan each root in the background, pushing progress and new photos to the page. */
  scan?: boolean;
  /**
   * Stops the background scans (Ctrl-C): a scan under way saves what it has done, and the roots not
   * yet scanned are left as they are. `close()` waits for that.
   */
  signal?: AbortSignal;
  /** Something the user should know (a scan that failed, a save that failed). */
  onWarning?: (message: string) => void;
}

export interface Gallery {
  /** The address to open, with the token: `http://127.0.0.1:PORT/?token=...`. */
  url: string;
  port: number;
  token: string;
  /** Resolves when the background scans (with `scan`) have finished. */
  scanned: Promise<void>;
  /** Stops serving, waits for a background scan stopped by `signal`, and saves pending star changes; the catalogs stay open. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const TOKEN_HEADER = 'x-photolala-token';
const TOKEN_COOKIE = 'photolala_token';
/** Star changes are saved (a snapshot published, as `photolala star` does) this long after the last. */
const SAVE_DELAY_MS = 1000;
const PAGE_LIMIT = 2000;
/** Rows of the first screen the page carries: one page of the UI's (`PAGE` in ui/grid.ts). */
const FIRST_PAGE = 300;
/** Rows (and their thumbnails) a screen may ask for at once (`/api/screen`): a tall screen of small tiles. */
const MAX_SCREEN_ROWS = 200;
/** Rows a month's start (or its end) may carry (`/api/starts`): a tall screen of small tiles. */
const MAX_START_ROWS = 200;
/** Rows all months' starts may carry together: a library of decades stays a few megabytes. */
const MAX_STARTS_TOTAL = 20_000;
/** A server this long without a request is quiet (see `quiet`), or this long at most after asking. */
const QUIET_MS = 50;
const MAX_QUIET_WAIT_MS = 2000;
/** When nothing has asked for the timeline of a root whose first screen was served, it is built. */
const BUILD_AFTER_MS = 3000;
/**
 * How often the pointers are read for a snapshot another process published (a `photolala scan` in
 * another terminal): the mirror's, and a local root's; a remote root's when the page asks for a view.
 */
const NEWER_CHECK_MS = 2000;

/**
 * With PHOTOLALA_SERVER_TIMING=1 in the environment, every answer says how long its handler took
 * (`Server-Timing: app;dur=MS`), which a browser's resource timings carry: the benchmark's split of
 * a request's time between the server and the browser.
 */
const serverTiming = process.env.PHOTOLALA_SERVER_TIMING === '1';

function sameSecret(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Starts the gallery over opened catalogs. */
export async function startGallery(options: GalleryOptions): Promise<Gallery> {
  const host = options.host ?? '127.0.0.1';
  const loopback = LOOPBACK.has(host);
  if (!loopback && !options.token)
    throw new Error(`serving on ${host} lets other machines in: give a --token that they must present`);
  const token = options.token ?? randomBytes(16).toString('hex');
  const assets = await readAssets();
  const roots = options.catalogs.map((catalog, i) => new RootPhotos(i, catalog));
  const library = new Library(roots);
  const events = new EventTarget();
  /**
   * Bumped by every event that changes what a page shows: a page opens its event stream a while
   * after its HTML was made (see ui/main.ts `listen`), and reads its view again when the `hello`
   * event's revision is not the one its HTML was made at.
   */
  let revision = 0;
  const push = (name: string, data: unknown) => {
    if (name === 'photos' || name === 'star' || name === 'scanned') revision++;
    events.dispatchEvent(new MessageEvent(name, { data }));
  };
  const warn = options.onWarning ?? (() => {});
  /** Thumbnails of photos a running scan digested, by root and photo-md5, until the scan publishes. */
  const pendingThumbnails = new Map<string, string>();
  let port = 0;
  /** Roots being scanned in the background. */
  const scanning = new Set<number>();

  // ---- catalog events to the page ----
  const saving = roots.map(() => ({ timer: undefined as NodeJS.Timeout | undefined, unsaved: 0 }));
  const save = async (root: RootPhotos) => {
    const state = saving[root.index]!;
    const done = state.unsaved;
    try {
      await root.catalog.save();
      state.unsaved -= done;
      push('saved', { root: root.index, unsaved: state.unsaved });
    } catch (error) {
      warn(`could not save the stars of ${root.catalog.rootUri}: ${describeError(error)}`);
    }
  };
  const offs = roots.flatMap((root) => {
    const { catalog, index } = root;
    // The first screen served before the timeline was built does not match it: the page reads again.
    root.onStale = () => push('photos', { root: index });
    const changed = () => {
      root.invalidate();
      push('photos', { root: index });
    };
    return [
      catalog.events.on('entries-added', changed),
      catalog.events.on('entries-removed', changed),
      catalog.events.on('entries-changed', changed),
      catalog.events.on('entries-moved', changed),
      // Another process's snapshot, taken in as this one saves or refreshes (see lookForNewer).
      catalog.events.on('snapshot-taken-in', changed),
      catalog.events.on('progress', (p) => push('progress', { root: index, ...p })),
      catalog.events.on('thumbnail-ready', (t) => {
        if (!scanning.has(index) || catalog.get(t.path)?.photoMd5 === t.photoMd5) return;
        pendingThumbnails.set(`${index}/${t.photoMd5}`, t.thumbnailPath);
        void catalog.cache.readMetadataJson(catalog.shard, t.photoMd5).then((doc) => {
          const takenAt = metadataDocumentSchema.safeParse(doc).data?.takenAt ?? null;
          root.addProvisional(t.path, t.photoMd5, takenAt, t.mtimeMs ?? Date.now());
          push('photos', { root: index });
        });
      }),
      catalog.events.on('star-changed', (s) => {
        root.setStarred(s.path, s.starred);
        push('star', { root: index, id: root.idOf(s.path), starred: s.starred });
        const state = saving[index]!;
        state.unsaved++;
        clearTimeout(state.timer);
        state.timer = setTimeout(() => void save(root), SAVE_DELAY_MS);
      }),
    ];
  });

  // ---- background scans ----
  const scanned = (async () => {
    if (!options.scan) return;
    for (const root of roots) {
      if (options.signal?.aborted) break;
      scanning.add(root.index);
      try {
        const result = await root.catalog.scan(options.signal ? { signal: options.signal } : {});
        push('scanned', { root: root.index, entries: result.entries, failed: result.failed.length });
      } catch (error) {
        // Stopped while listing: nothing was changed, and that is what was asked.
        if (options.signal?.aborted) break;
        warn(`the scan of ${root.catalog.rootUri} failed: ${describeError(error)}`);
        push('scanned', { root: root.index, error: describeError(error) });
      } finally {
        scanning.delete(root.index);
        root.invalidate();
        for (const key of pendingThumbnails.keys())
          if (key.startsWith(`${root.index}/`)) pendingThumbnails.delete(key);
        push('photos', { root: root.index });
      }
    }
  })();

  // ---- snapshots other processes publish ----
  /** Roots whose pointers are being read, and when each remote root's last was. */
  const looking = new Set<number>();
  const lookedAtRoot = roots.map(() => 0);
  const lookWarnings: (string | undefined)[] = roots.map(() => undefined);
  let closing = false;
  /**
   * Takes in the snapshot another process published into a root (see Catalog.refresh), and tells the
   * page to read its view again. A root being scanned here is left alone: its scan takes in what
   * others published as it saves.
   */
  const lookForNewer = async (root: RootPhotos, fromRoot: boolean) => {
    if (closing || scanning.has(root.index) || looking.has(root.index)) return;
    looking.add(root.index);
    try {
      if (fromRoot) lookedAtRoot[root.index] = Date.now();
      if (!(await root.catalog.newerPublished({ root: fromRoot }))) return;
      // Ids handed out by a first screen are places in this listing: fixed before it changes.
      root.build();
      // The catalog says when it took the snapshot in (`snapshot-taken-in`), and the page is told.
      if (!closing) await root.catalog.refresh({ root: fromRoot });
    } catch (error) {
      // Said once, not every NEWER_CHECK_MS while it lasts.
      const message = `could not read the newer catalog of ${root.catalog.rootUri}: ${describeError(error)}`;
      if (lookWarnings[root.index] !== message) warn(message);
      lookWarnings[root.index] = message;
    } finally {
      looking.delete(root.index);
    }
  };
  /** A root whose pointer costs a request is read when the page asks for a view, not more often. */
  const lookForNewerOnAsk = (indexes: number[]) => {
    for (const i of indexes) {
      const root = roots[i];
      if (root?.catalog.source.capabilities.remote && Date.now() - lookedAtRoot[i]! >= NEWER_CHECK_MS)
        void lookForNewer(root, true);
    }
  };
  const newerTimer = setInterval(() => {
    for (const root of roots) void lookForNewer(root, !root.catalog.source.capabilities.remote);
  }, NEWER_CHECK_MS);
  newerTimer.unref();

  // ---- requests ----
  /** Compact rows of a view: [root, id, photo-md5, name, starred, badge?], in timeline order. */
  const rowsOf = (view: View, offset: number, limit: number) => {
    const rows: (string | number)[][] = [];
    for (let i = offset; i < Math.min(view.size, offset + limit); i++) {
      const root = roots[view.roots[i]!]!;
      const id = view.ids[i]!;
      const path = root.pathOf(id) ?? '';
      const name = path.slice(path.lastIndexOf('/') + 1);
      const row = [root.index, id, root.md5Of(id) ?? '', name, root.isStarred(id) ? 1 : 0];
      const badge = root.badgeOf(id);
      rows.push(badge ? [...row, badge] : row);
    }
    return rows;
  };
  /** A row of a photo read by SQL before the timeline is built, as `rowsOf` gives it once built. */
  const quickRow = (root: RootPhotos, p: FirstScreenPhoto) => {
    const row = [
      root.index,
      p.position,
      p.photoMd5,
      p.path.slice(p.path.lastIndexOf('/') + 1),
      p.starred ? 1 : 0,
    ];
    const badge = badgeOf(p);
    return badge ? [...row, badge] : row;
  };
  /** Requests being answered (not those waiting for a quiet server), and when the last one ended. */
  let busy = 0;
  let lastBusy = 0;
  /**
   * Resolves once no request has been answered for QUIET_MS (or after MAX_QUIET_WAIT_MS): what the
   * page asks for as its first screen shows is read when that screen's thumbnails are served.
   */
  const quiet = () =>
    new Promise<void>((resolve) => {
      const started = Date.now();
      const check = () => {
        const now = Date.now();
        if ((busy === 0 && now - lastBusy >= QUIET_MS) || now - started >= MAX_QUIET_WAIT_MS) resolve();
        else setTimeout(check, QUIET_MS);
      };
      setTimeout(check, QUIET_MS);
    });
  /**
   * With `quiet=1`, a request that can wait (a prefetch) is answered once the server is quiet: the
   * reads it needs would hold up, for a tenth of a second at 100,000 photos, whatever else the page
   * asks for meanwhile (a jump's rows and thumbnails).
   */
  const quietIfAsked = async (c: Context) => {
    if (c.req.query('quiet') !== '1') return;
    busy--;
    try {
      await quiet();
    } finally {
      busy++;
    }
  };
  let buildTimer: NodeJS.Timeout | undefined;
  /**
   * What the page shows first (the whole library, newest first): its months and first page of rows,
   * carried by the page itself. A single root whose timeline is not built yet answers by SQL, and
   * is built when the page asks for more (or after BUILD_AFTER_MS): listing and sorting 100,000
   * photos first held the first screen up by seconds.
   */
  const firstScreen = (): FirstScreenData => {
    const only = roots.length === 1 ? roots[0]! : undefined;
    const quick = only && !options.scan ? only.firstScreen(FIRST_PAGE) : undefined;
    if (only && quick) {
      clearTimeout(buildTimer);
      // Once the server is quiet too: building holds the event loop for half a second or more at
      // 100,000 photos, and a jump or a scroll then would wait for it.
      buildTimer = setTimeout(() => void quiet().then(() => only.build()), BUILD_AFTER_MS);
      buildTimer.unref();
      return {
        total: quick.total,
        months: quick.months,
        rows: quick.photos.map((p) => quickRow(only, p)),
      };
    }
    const view = library.view({ roots: roots.map((r) => r.index) });
    return { total: view.size, months: view.months, rows: rowsOf(view, 0, FIRST_PAGE) };
  };

  const app = new Hono();
  const queryOf = (c: Context): ViewQuery => {
    const all = roots.map((r) => r.index);
    const picked = (c.req.query('roots') ?? '')
      .split(',')
      .filter((s) => /^\d+$/.test(s))
      .map(Number)
      .filter((i) => i < roots.length);
    const folder = c.req.query('folder')?.replace(/^\/+|\/+$/g, '');
    const search = c.req.query('q')?.trim();
    return {
      roots: picked.length ? picked : all,
      ...(folder ? { folder } : {}),
      ...(search ? { search } : {}),
      ...(c.req.query('starred') === '1' ? { starred: true } : {}),
    };
  };

  app.onError((error, c) => {
    if (error instanceof Refusal) return c.json({ error: error.message }, error.status);
    if (isPhotolalaError(error, 'NOT_FOUND')) return c.json({ error: describeError(error) }, 404);
    if (isPhotolalaError(error, 'UNSUPPORTED')) return c.json({ error: describeError(error) }, 404);
    return c.json({ error: describeError(error) }, 500);
  });

  // DNS rebinding: a page of another site that resolves its own name to 127.0.0.1 sends its own
  // Host. Off loopback there is no one address to expect, so every request needs the token.
  app.use(async (c, next) => {
    if (loopback) {
      const hostHeader = c.req.header('host') ?? '';
      const allowed = [...LOOPBACK].map((h) => (h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`));
      if (!allowed.includes(hostHeader)) return c.text('refused: unexpected Host header', 403);
    } else {
      const given = c.req.query('token') ?? c.req.header(TOKEN_HEADER) ?? getCookie(c, TOKEN_COOKIE);
      if (!sameSecret(given, token)) return c.text('refused: the token is missing or wrong', 403);
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !sameSecret(c.req.header(TOKEN_HEADER), token))
      return c.json({ error: 'refused: a change needs the token of this run' }, 403);
    busy++;
    const started = serverTiming ? performance.now() : 0;
    try {
      await next();
    } finally {
      busy--;
      lastBusy = Date.now();
    }
    if (serverTiming)
      c.res.headers.set('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
  });

  app.get('/', async (c) => {
    if (!loopback) setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
    c.header('Cache-Control', 'no-store');
    const rootInfo = roots.map((r) => ({
      index: r.index,
      uri: r.catalog.rootUri,
      offline: r.catalog.loadInfo.offline ?? null,
    }));
    const first = firstScreen();
    return c.html(pageHtml(rootInfo, assets, first, revision));
  });
  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) throw new Refusal(404, 'no such asset');
    c.header('Content-Type', asset.type);
    c.header('Cache-Control', 'no-cache');
    return c.body(asset.body);
  });

  app.get('/api/roots', (c) =>
    c.json({
      roots: roots.map((r) => ({
        index: r.index,
        uri: r.catalog.rootUri,
        photos: r.count(),
        scanning: scanning.has(r.index),
        unsaved: saving[r.index]!.unsaved,
        // The root could not be reached: this is the cache mirror's copy of its catalog.
        offline: r.catalog.loadInfo.offline ?? null,
      })),
    }),
  );
  app.get('/api/view', (c) => {
    const query = queryOf(c);
    lookForNewerOnAsk(query.roots);
    const view = library.view(query);
    return c.json({ total: view.size, months: view.months });
  });
  /** The rows of a view at `offset` to `offset + limit` (the query's), and the view's size. */
  const pageOf = (c: Context, maxLimit: number) => {
    const query = queryOf(c);
    const offset = Math.max(0, Math.floor(Number(c.req.query('offset') ?? 0)) || 0);
    const limit = Math.min(maxLimit, Math.max(1, Math.floor(Number(c.req.query('limit') ?? 500)) || 500));
    // The whole library of one root whose timeline is not built yet: by SQL (see RootPhotos.timelinePage).
    const only = roots.length === 1 ? roots[0]! : undefined;
    const whole = !query.folder && !query.search && !query.starred && !options.scan;
    const quick = only && whole ? only.timelinePage(offset, limit) : undefined;
    if (only && quick)
      return { offset, total: quick.total, rows: quick.photos.map((p) => quickRow(only, p)) };
    const view = library.view(query);
    return { offset, total: view.size, rows: rowsOf(view, offset, limit) };
  };
  app.get('/api/photos', (c) => c.json(pageOf(c, PAGE_LIMIT)));
  /**
   * A screen of a view in one answer: its rows (as `/api/photos` gives them) and their cached
   * thumbnails, for a jump, whose tiles otherwise waited for a page of rows and then for their
   * thumbnails, six at a time. The answer is the rows' JSON (with `sizes`, each thumbnail's length,
   * 0 for one the tile must ask for itself) after its own length (4 bytes, big-endian), then the
   * thumbnails' bytes in the rows' order.
   */
  app.get('/api/screen', async (c) => {
    const page = pageOf(c, MAX_SCREEN_ROWS);
    const bodies = await Promise.all(
      page.rows.map(([index, , md5]) => {
        const root = typeof index === 'number' ? roots[index] : undefined;
        return root && typeof md5 === 'string' && !pendingThumbnails.has(`${root.index}/${md5}`)
          ? cachedThumbnail(root, md5)
          : undefined;
      }),
    );
    const json = Buffer.from(JSON.stringify({ ...page, sizes: bodies.map((b) => b?.length ?? 0) }));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(json.length);
    const body = Buffer.concat([head, json, ...bodies.filter((b) => b !== undefined)]);
    return c.body(body, 200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' });
  });
  // The first rows of every month of a view, so that a jump with the scrubber asks for its
  // thumbnails at once instead of first waiting for a page of rows.
  app.get('/api/starts', (c) => {
    const query = queryOf(c);
    const rowsAsked = (name: string, least: number) =>
      Math.min(MAX_START_ROWS, Math.max(least, Math.floor(Number(c.req.query(name) ?? least)) || least));
    const count = rowsAsked('count', 1);
    const tail = rowsAsked('tail', 0);
    // Months are given while their rows stay within MAX_STARTS_TOTAL.
    const maxMonths = Math.ceil(MAX_STARTS_TOTAL / (count + tail));
    const only = roots.length === 1 ? roots[0]! : undefined;
    // The whole library of one root whose timeline is not built yet: by SQL (see RootPhotos.monthStarts).
    const whole = !query.folder && !query.search && !query.starred && !options.scan;
    const quick = only && whole ? only.monthStarts(count, maxMonths, tail) : undefined;
    if (only && quick) {
      const rows = (photos: FirstScreenPhoto[]) => photos.map((p) => quickRow(only, p));
      return c.json({
        total: quick.total,
        starts: quick.starts.map((start) => [start.first, rows(start.photos)]),
        ends: quick.starts.map((start) => [start.first + start.count - start.last.length, rows(start.last)]),
      });
    }
    const view = library.view(query);
    const starts: [number, (string | number)[][]][] = [];
    const ends: [number, (string | number)[][]][] = [];
    let first = 0;
    for (const { count: inMonth } of view.months.slice(0, maxMonths)) {
      starts.push([first, rowsOf(view, first, Math.min(count, inMonth))]);
      const last = Math.min(tail, inMonth);
      ends.push([first + inMonth - last, rowsOf(view, first + inMonth - last, last)]);
      first += inMonth;
    }
    return c.json({ total: view.size, starts, ends });
  });
  app.get('/api/folders', async (c) => {
    await quietIfAsked(c);
    return c.json({ folders: library.folders(queryOf(c).roots) });
  });

  app.get('/api/roots/:root/photos/:id', async (c) => {
    const root = rootOf(c, roots);
    const path = pathOf(c, root);
    const entry = root.catalog.get(path);
    const photo: Photo | undefined = entry ? undefined : root.provisionalPhoto(path);
    if (!entry && !photo) throw new Refusal(404, 'no such photo');
    const md5 = entry?.photoMd5 ?? photo?.md5;
    let metadata: unknown = null;
    if (entry?.photoMd5) metadata = JSON.parse(await fsp.readFile(await root.catalog.metadata(path), 'utf8'));
    return c.json({
      root: root.index,
      rootUri: root.catalog.rootUri,
      id: root.idOf(path),
      path,
      md5,
      starred: entry?.starred ?? false,
      size: entry?.size ?? null,
      mtimeMs: entry?.mtimeMs ?? null,
      kind: entry?.kind ?? null,
      members: root.membersOf(root.idOf(path)),
      metadata,
    });
  });
  app.get('/api/roots/:root/photos/:id/metadata', async (c) => {
    const root = rootOf(c, roots);
    const file = await root.catalog.metadata(pathOf(c, root));
    c.header('Content-Type', 'application/json');
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream);
  });
  app.post('/api/roots/:root/photos/:id/star', async (c) => {
    const root = rootOf(c, roots);
    const path = pathOf(c, root);
    const body = (await c.req.json().catch(() => undefined)) as { starred?: unknown } | undefined;
    if (typeof body?.starred !== 'boolean') throw new Refusal(400, 'expected {"starred": true|false}');
    // Through the catalog's own star API: journaled, queued for sync, saved as `photolala star` does.
    // During a scan it waits for the scan to publish, which is when the photo becomes an entry.
    const entry = body.starred ? await root.catalog.star(path) : await root.catalog.unstar(path);
    return c.json({ root: root.index, id: root.idOf(path), starred: entry.starred });
  });

  mediaRoutes(app, roots, pendingThumbnails);

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      const names = ['progress', 'photos', 'star', 'saved', 'scanned'];
      const forward = (event: Event) => {
        const { type, data } = event as MessageEvent;
        void stream.writeSSE({ event: type, data: JSON.stringify(data) });
      };
      for (const name of names) events.addEventListener(name, forward);
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ scanning: [...scanning], revision }) });
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      for (const name of names) events.removeEventListener(name, forward);
    }),
  );

  // ---- listening ----
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // A view of several roots, or of a scan, needs the timelines: build them while the browser fetches
  // the page. A single root's first screen needs none (see firstScreen).
  if (roots.length > 1 || options.scan)
    setImmediate(() => {
      for (const root of roots) root.build();
    });
  // A single root's first screen is read while the browser comes for the page (the catalog keeps it
  // until it changes); should reading fail, the page's request says why.
  else
    setImmediate(() => {
      try {
        roots[0]?.firstScreen(FIRST_PAGE);
      } catch {}
    });
  return {
    url: galleryUrl(host, port, token),
    port,
    token,
    scanned,
    async close() {
      if (options.signal?.aborted) await scanned;
      // The catalogs may be closed next: a build due later would read a closed database.
      clearTimeout(buildTimer);
      closing = true;
      clearInterval(newerTimer);
      for (const off of offs) off();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams would keep the server up for ever.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      for (const [i, state] of saving.entries()) {
        clearTimeout(state.timer);
        if (state.unsaved > 0) await save(roots[i]!);
      }
    },
  };
}
