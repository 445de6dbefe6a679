import { isMd5 } from '@photolala/core';
import type { Context } from 'hono';
import type { RootPhotos } from './library.js';

/** A refusal the client sees as `{ error }` with this status. */
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 416,
    message: string,
  ) {
    super(message);
  }
}

/** The served root a request names by its number. */
export function rootOf(c: Context, roots: RootPhotos[]): RootPhotos {
  const raw = c.req.param('root') ?? '';
  const root = /^\d+$/.test(raw) ? roots[Number(raw)] : undefined;
  if (!root) throw new Refusal(404, 'no such root');
  return root;
}

/** The path of a photo by the gallery's id for it: never a path the client sent. */
export function pathOf(c: Context, root: RootPhotos): string {
  const raw = c.req.param('id') ?? '';
  const path = /^\d+$/.test(raw) ? root.pathOf(Number(raw)) : undefined;
  if (path === undefined) throw new Refusal(404, 'no such photo');
  return path;
}

/** A photo-md5 in the URL; whether it names a photo of the root is for the catalog to say. */
export function md5Of(c: Context): string {
  const md5 = c.req.param('md5') ?? '';
  if (!isMd5(md5)) throw new Refusal(404, 'no such photo');
  return md5;
}
