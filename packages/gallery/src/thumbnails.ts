import { readFile } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isMd5 } from '@photolala/core';
import type { RootPhotos } from './library.js';
import { Refusal } from './refusal.js';

/**
 * Thumbnails, answered on Node's own `http` objects ahead of the framework (see front.ts): a screen
 * asks for dozens at once, and the framework's request and response objects cost each one more than
 * reading its file.
 */

/** Thumbnails one batch may ask for: a tall screen of small tiles, and its margin. */
export const MAX_BATCH = 256;

/** The thumbnails a scan made for photos that are no entries yet, by `root/photo-md5`. */
export type PendingThumbnails = Map<string, string>;

/** A file's bytes. By callback, not `fs.promises`: a thumbnail's open, stat, read and close cost the
 * promise API more than the rest of serving it. */
const readWhole = (file: string) =>
  new Promise<Buffer>((resolve, reject) =>
    readFile(file, (error, data) => (error ? reject(error) : resolve(data))),
  );

const immutable = (md5: string) => ({
  'Content-Type': 'image/jpeg',
  ETag: `"${md5}"`,
  'Cache-Control': 'public, max-age=31536000, immutable',
});

/**
 * Whether a photo-md5 names a photo of the root (an entry, or one a running scan has digested):
 * nothing else has a thumbnail here.
 */
function known(root: RootPhotos, md5: string, pending: PendingThumbnails): boolean {
  return pending.has(`${root.index}/${md5}`) || root.catalog.get(md5)?.photoMd5 === md5;
}

/**
 * The thumbnail of a photo-md5 of the root: the one a running scan made, the cached one, or one
 * made now by `catalog.thumbnail` (which refuses, NOT_FOUND, a photo-md5 that is no entry).
 */
async function thumbnailOf(root: RootPhotos, md5: string, pending: PendingThumbnails): Promise<Buffer> {
  const { catalog } = root;
  const pendingFile = pending.get(`${root.index}/${md5}`);
  if (pendingFile !== undefined) return readWhole(pendingFile);
  // Apple Photos' cache is keyed by its own ids: only the catalog knows the file.
  if (catalog.shard !== 'apple' && catalog.get(md5)?.photoMd5 === md5) {
    try {
      return await readWhole(catalog.cache.pathsFor(catalog.shard, md5).thumbnail);
    } catch {
      // Not cached (yet): made below.
    }
  }
  return readWhole(await catalog.thumbnail(md5));
}

/** `GET /api/roots/:root/thumbnails/:md5`: one thumbnail, immutable, its photo-md5 its ETag. */
export async function sendThumbnail(
  req: IncomingMessage,
  res: ServerResponse,
  root: RootPhotos,
  md5: string,
  pending: PendingThumbnails,
): Promise<void> {
  if (!isMd5(md5)) throw new Refusal(404, 'no such photo');
  if (req.headers['if-none-match'] === `"${md5}"`) {
    res.writeHead(304, immutable(md5)).end();
    return;
  }
  const body = await thumbnailOf(root, md5, pending);
  res.writeHead(200, { ...immutable(md5), 'Content-Length': body.length }).end(body);
}

/**
 * `GET /api/roots/:root/thumbnails?md5s=A,B,...`: the thumbnails of a screen in one response, so
 * that a jump's dozens of tiles do not queue on the browser's six connections. Each in the order
 * asked, as a 4-byte big-endian length and that many bytes of JPEG; a length of 0 says this one
 * could not be had (the client asks for it alone, and hears why). Every photo-md5 must name a
 * photo of the root, or the whole batch is refused before anything is read.
 */
export async function sendThumbnailBatch(
  res: ServerResponse,
  root: RootPhotos,
  query: URLSearchParams,
  pending: PendingThumbnails,
): Promise<void> {
  const md5s = (query.get('md5s') ?? '').split(',').filter(Boolean);
  if (md5s.length === 0) throw new Refusal(400, 'expected md5s=A,B,...');
  if (md5s.length > MAX_BATCH) throw new Refusal(400, `at most ${MAX_BATCH} thumbnails a batch`);
  for (const md5 of md5s)
    if (!isMd5(md5) || !known(root, md5, pending))
      throw new Refusal(404, `no such photo: ${md5.slice(0, 40)}`);
  // All read at once, written in turn as each is at hand.
  const reads = md5s.map((md5) => thumbnailOf(root, md5, pending).catch(() => undefined));
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Cache-Control': 'private, max-age=31536000, immutable',
  });
  for (const read of reads) {
    const body = await read;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body?.length ?? 0);
    res.write(length);
    if (body) res.write(body);
  }
  res.end();
}
