import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { describeError, isPhotolalaError } from '@photolala/core';
import type { RootPhotos } from './library.js';
import { Refusal } from './refusal.js';
import { type PendingThumbnails, sendThumbnail, sendThumbnailBatch } from './thumbnails.js';

export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
export const TOKEN_HEADER = 'x-photolala-token';
const TOKEN_COOKIE = 'photolala_token';

export function sameSecret(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

/** Requests being answered (not those waiting for a quiet server, see server.ts), and when the last one ended. */
export interface Load {
  busy: number;
  lastBusy: number;
}

export interface FrontOptions {
  roots: RootPhotos[];
  loopback: boolean;
  token: string;
  /** The port listened on, known once listening. */
  port: () => number;
  load: Load;
  pending: PendingThumbnails;
  /** The page, with the first screen (see page.ts). */
  page: () => string;
  assets: Map<string, { type: string; body: string }>;
  /** `/api/events`: a stream that stays open, so it does not count as a request being answered. */
  eventStream: (res: ServerResponse) => void;
  /** Every other request: the API, whose framework is loaded when first needed (see server.ts). */
  rest: () => Promise<RequestListener>;
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));

/**
 * Why a request is refused by every route, if it is. DNS rebinding: a page of another site that
 * resolves its own name to 127.0.0.1 sends its own Host. Off loopback there is no one address to
 * expect, so every request needs the token. A write needs it always.
 */
function refusalOf(req: IncomingMessage, url: URL, o: FrontOptions): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  const tokenHeader = typeof header === 'string' ? header : undefined;
  if (o.loopback) {
    const allowed = [...LOOPBACK].map((h) => (h.includes(':') ? `[${h}]:${o.port()}` : `${h}:${o.port()}`));
    if (!allowed.includes(req.headers.host ?? '')) return 'refused: unexpected Host header';
  } else {
    const given = url.searchParams.get('token') ?? tokenHeader ?? cookieOf(req, TOKEN_COOKIE);
    if (!sameSecret(given, o.token)) return 'refused: the token is missing or wrong';
  }
  if (req.method !== 'GET' && req.method !== 'HEAD' && !sameSecret(tokenHeader, o.token))
    return 'refused: a change needs the token of this run';
  return undefined;
}

const THUMBNAIL = /^\/api\/roots\/(\d+)\/thumbnails(?:\/([^/]*))?$/;

/**
 * The server's first listener, on Node's own `http` objects: the checks every request passes, then
 * what the first screen and a jump wait for (the page, its assets, thumbnails), answered without
 * the framework, which is loaded (with the `fetch` classes it builds on) only for the rest of the
 * API. Loading it held the first screen up, and its per-response cost each thumbnail.
 */
export function frontListener(o: FrontOptions): RequestListener {
  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gallery');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const refused = refusalOf(req, url, o);
    if (refused) {
      json(res, 403, { error: refused });
      return;
    }
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && url.pathname === '/api/events') {
      o.eventStream(res);
      return;
    }
    o.load.busy++;
    res.once('close', () => {
      o.load.busy--;
      o.load.lastBusy = Date.now();
    });
    const thumbnail = get ? THUMBNAIL.exec(url.pathname) : null;
    if (get && url.pathname === '/') {
      const headers: Record<string, string> = {
        'Content-Type': 'text/html; charset=UTF-8',
        'Cache-Control': 'no-store',
      };
      if (!o.loopback)
        headers['Set-Cookie'] = `${TOKEN_COOKIE}=${o.token}; Path=/; HttpOnly; SameSite=Strict`;
      answer(res, () => {
        res.writeHead(200, headers).end(o.page());
      });
    } else if (get && url.pathname.startsWith('/assets/')) {
      const asset = o.assets.get(url.pathname.slice('/assets/'.length));
      if (!asset) json(res, 404, { error: 'no such asset' });
      else res.writeHead(200, { 'Content-Type': asset.type, 'Cache-Control': 'no-cache' }).end(asset.body);
    } else if (thumbnail) {
      const root = o.roots[Number(thumbnail[1])];
      const md5 = thumbnail[2];
      answer(res, () => {
        if (!root) throw new Refusal(404, 'no such root');
        return md5 === undefined
          ? sendThumbnailBatch(res, root, url.searchParams, o.pending)
          : sendThumbnail(req, res, root, md5, o.pending);
      });
    } else {
      o.rest().then(
        (listener) => listener(req, res),
        (error: unknown) => json(res, 500, { error: describeError(error) }),
      );
    }
  };
}

/** Runs a route, answering what it throws as the API does (`{ error }` with a status). */
function answer(res: ServerResponse, route: () => void | Promise<void>) {
  const fail = (error: unknown) => {
    const status =
      error instanceof Refusal
        ? error.status
        : isPhotolalaError(error, 'NOT_FOUND') || isPhotolalaError(error, 'UNSUPPORTED')
          ? 404
          : 500;
    if (res.headersSent) res.destroy();
    else json(res, status, { error: error instanceof Refusal ? error.message : describeError(error) });
  };
  try {
    const done = route();
    if (done) done.catch(fail);
  } catch (error) {
    fail(error);
  }
}
