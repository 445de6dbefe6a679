import { promises as fsp, readFile } from 'node:fs';
import { Readable } from 'node:stream';
import type { CatalogEntry } from '@photolala/core';
import type { Context, Hono } from 'hono';
import type { RootPhotos } from './library.js';
import { parseRange, sliceStream } from './range.js';
import { md5Of, pathOf, Refusal, rootOf } from './refusal.js';
import { checkedOriginal, checkedPreview, checkUnchanged, stillVerified } from './unchanged.js';

/** Kinds every browser shows as they are; the rest get a JPEG preview. */
const ORIGINAL_TYPES: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** Video containers by extension (the kinds core recognises); Chromium plays what its codecs allow. */
const VIDEO_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  '3gp': 'video/3gpp',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
};

/**
 * An entry's bytes from the root's source, streamed, never held whole: all of them, or the one
 * range a `Range` header asks for (206), as a `<video>` seeking and a large original need.
 */
async function sendOriginal(c: Context, root: RootPhotos, entry: CatalogEntry, type: string) {
  c.header('Content-Type', type);
  c.header('Accept-Ranges', 'bytes');
  const range = parseRange(c.req.header('range'), entry.size);
  if (range === 'unsatisfiable') {
    c.header('Content-Range', `bytes */${entry.size}`);
    return c.body(null, 416);
  }
  const stream = await root.catalog.source.readAll(entry.path);
  if (!range) {
    c.header('Content-Length', String(entry.size));
    return c.body(Readable.toWeb(stream) as ReadableStream);
  }
  c.header('Content-Range', `bytes ${range.start}-${range.end}/${entry.size}`);
  c.header('Content-Length', String(range.end - range.start + 1));
  return c.body(Readable.toWeb(sliceStream(stream, range.start, range.end)) as ReadableStream, 206);
}

/** A file's bytes. By callback, not `fs.promises`: a thumbnail's open, stat, read and close cost the
 * promise API more than the rest of serving it. */
const readWhole = (file: string) =>
  new Promise<Buffer<ArrayBuffer>>((resolve, reject) =>
    readFile(file, (error, data) => (error ? reject(error) : resolve(data))),
  );

const THUMBNAIL_HEADERS = (md5: string) => ({
  'Content-Type': 'image/jpeg',
  ETag: `"${md5}"`,
  'Cache-Control': 'public, max-age=31536000, immutable',
});

/**
 * The cached thumbnail of a photo-md5 that names a photo of the root, read at once; undefined when
 * the cache lacks it (or the root's cache is keyed otherwise: Apple Photos' ids), for
 * `catalog.thumbnail` to make. Spares a thumbnail served from the cache the checks for its files.
 */
export async function cachedThumbnail(
  root: RootPhotos,
  md5: string,
): Promise<Buffer<ArrayBuffer> | undefined> {
  const { catalog } = root;
  if (catalog.shard === 'apple' || catalog.get(md5)?.photoMd5 !== md5) return undefined;
  try {
    return await readWhole(catalog.cache.pathsFor(catalog.shard, md5).thumbnail);
  } catch {
    return undefined;
  }
}

/**
 * Thumbnails, previews and videos. `pending` holds the thumbnails a running scan has made for
 * photos that are not entries yet.
 */
export function mediaRoutes(app: Hono, roots: RootPhotos[], pending: Map<string, string>) {
  app.get('/api/roots/:root/thumbnails/:md5', async (c) => {
    const root = rootOf(c, roots);
    const md5 = md5Of(c);
    if (c.req.header('if-none-match') === `"${md5}"`) return c.body(null, 304);
    const pendingFile = pending.get(`${root.index}/${md5}`);
    const body =
      (pendingFile === undefined ? await cachedThumbnail(root, md5) : undefined) ??
      // catalog.thumbnail refuses (404) a photo-md5 that is no entry of its catalog, and makes a
      // thumbnail missing from the cache.
      (await readWhole(pendingFile ?? (await root.catalog.thumbnail(md5))));
    return c.body(body, 200, THUMBNAIL_HEADERS(md5));
  });

  app.get('/api/roots/:root/previews/:md5', async (c) => {
    const root = rootOf(c, roots);
    const md5 = md5Of(c);
    const entry = root.catalog.get(md5);
    if (!entry) throw new Refusal(404, 'no such photo');
    // Immutable under the photo-md5 only once the bytes are checked to be it (see unchanged.ts).
    const immutable = () => {
      c.header('ETag', `"${md5}"`);
      c.header('Cache-Control', 'private, max-age=31536000, immutable');
    };
    if (c.req.header('if-none-match') === `"${md5}"`) {
      immutable();
      return c.body(null, 304);
    }
    const type = ORIGINAL_TYPES[entry.kind];
    if (!type) {
      const file = await checkedPreview(root, md5);
      immutable();
      c.header('Content-Type', 'image/jpeg');
      return c.body(await fsp.readFile(file));
    }
    if (c.req.header('range')) await checkUnchanged(root, entry);
    // Hashed earlier in this run and unchanged since: streamed, not read whole and hashed again.
    else if (!(await stillVerified(root, entry))) {
      const body = await checkedOriginal(root, entry);
      immutable();
      c.header('Content-Type', type);
      return c.body(new Uint8Array(body));
    }
    immutable();
    return sendOriginal(c, root, entry, type);
  });

  app.get('/api/roots/:root/videos/:id', async (c) => {
    const root = rootOf(c, roots);
    const entry = root.catalog.get(pathOf(c, root));
    if (entry?.kind !== 'video' || entry.status !== 'ok') throw new Refusal(404, 'no such video');
    await checkUnchanged(root, entry);
    const extension = entry.path.slice(entry.path.lastIndexOf('.') + 1).toLowerCase();
    if (entry.photoMd5) {
      c.header('ETag', `"${entry.photoMd5}"`);
      c.header('Cache-Control', 'private, max-age=31536000, immutable');
      if (c.req.header('if-none-match') === `"${entry.photoMd5}"`) return c.body(null, 304);
    }
    return sendOriginal(c, root, entry, VIDEO_TYPES[extension] ?? 'application/octet-stream');
  });
}
