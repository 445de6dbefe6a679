/**
 * A screen's thumbnails in one request (the server's `/api/roots/:root/thumbnails?md5s=...`, see
 * thumbnails.ts): a jump's dozens of tiles, each its own request, queued on the browser's six
 * connections. Each arrives as a length and its JPEG, and is shown from a blob URL, revoked when
 * its tile goes.
 */

/** At most this many a request, as the server allows. */
const MAX_BATCH = 256;

export interface Wanted {
  img: HTMLImageElement;
  root: number;
  md5: string;
  /** Its own URL: asked for alone when the batch cannot give it. */
  url: string;
}

/** Whether an image waits for its batch: it has no `src` yet, yet is not a blank tile. */
export const awaitingBatch = (img: HTMLImageElement) => img.dataset.batch === 'waiting';

/** The batch each waiting image is in, and how many of a batch's images still wait in the page. */
const batchOf = new WeakMap<HTMLImageElement, { waiting: number; abort: AbortController }>();

/**
 * Frees the blob URL an image was shown from, if it was; for an image still waiting, a batch whose
 * every image left the page (a scroll went past) is cancelled, freeing the server and a connection.
 */
export function releaseThumbnail(img: HTMLImageElement) {
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
  const batch = batchOf.get(img);
  batchOf.delete(img);
  if (batch && --batch.waiting === 0) batch.abort.abort();
}

/** Shows `bytes` (or, when the batch could not give them, its own URL) in the image, if it is still in the page. */
function show(item: Wanted, bytes: Uint8Array<ArrayBuffer> | undefined, loaded: () => void) {
  const { img } = item;
  delete img.dataset.batch;
  const batch = batchOf.get(img);
  batchOf.delete(img);
  if (batch) batch.waiting--;
  if (!img.isConnected) return;
  img.dataset.md5 = item.md5;
  img.addEventListener('load', loaded, { once: true });
  img.addEventListener('error', loaded, { once: true });
  img.src = bytes?.length ? URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' })) : item.url;
}

/** Reads the frames of a batch's body (4-byte length, then the bytes), each as it completes. */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (value) {
      const joined = new Uint8Array(buffer.length + value.length);
      joined.set(buffer);
      joined.set(value, buffer.length);
      buffer = joined;
    }
    let at = 0;
    while (buffer.length - at >= 4) {
      const length = new DataView(buffer.buffer, buffer.byteOffset + at, 4).getUint32(0);
      if (buffer.length - at - 4 < length) break;
      yield buffer.subarray(at + 4, at + 4 + length);
      at += 4 + length;
    }
    buffer = buffer.subarray(at);
    if (done) return;
  }
}

async function loadBatch(items: Wanted[], loaded: () => void) {
  const root = items[0]!.root;
  const batch = { waiting: items.length, abort: new AbortController() };
  for (const item of items) batchOf.set(item.img, batch);
  let next = 0;
  try {
    const response = await fetch(
      `/api/roots/${root}/thumbnails?md5s=${items.map((item) => item.md5).join(',')}`,
      {
        priority: 'high',
        signal: batch.abort.signal,
      } as RequestInit,
    );
    if (!response.ok || !response.body) throw new Error(`thumbnails: ${response.status}`);
    for await (const bytes of frames(response.body)) {
      const item = items[next++];
      if (!item) break;
      show(item, bytes, loaded);
    }
  } catch {
    // Each is asked for alone, and says why it failed.
  }
  for (const item of items.slice(next)) show(item, undefined, loaded);
}

/**
 * Asks for the thumbnails of `wanted` in batches (one per root, of at most MAX_BATCH), showing each
 * as it arrives; `loaded` is called as each image loads or fails.
 */
export function loadThumbnails(wanted: Wanted[], loaded: () => void) {
  const byRoot = new Map<number, Wanted[]>();
  for (const item of wanted) {
    item.img.dataset.batch = 'waiting';
    const list = byRoot.get(item.root) ?? [];
    list.push(item);
    byRoot.set(item.root, list);
  }
  for (const list of byRoot.values())
    for (let i = 0; i < list.length; i += MAX_BATCH) void loadBatch(list.slice(i, i + MAX_BATCH), loaded);
}
