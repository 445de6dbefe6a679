import { existsSync, promises as fsp } from 'node:fs';
import { isWholeJpeg } from '../cache/cache.js';
import type { Digester } from '../digest/digest.js';
import { fastPhotoKey, HEAD_BYTES, isMd5 } from '../digest/identity.js';
import { detectImageKind, detectMediaKind } from '../digest/image-kind.js';
import { type MetadataDocument, metadataDocumentSchema } from '../digest/metadata.js';
import { datedInForm, takenAtForm } from '../digest/taken-at.js';
import { renderThumbnail } from '../digest/thumbnail.js';
import { readWholeFile } from '../digest/whole-file.js';
import { describeError, isPhotolalaError, PhotolalaError } from '../source/errors.js';
import { validateRelativePath } from '../source/paths.js';
import type { CatalogContext } from './catalog-context.js';
import type { EntryQueries, ImageEntry } from './entry-queries.js';
import { overlaySidecar } from './sidecars.js';
import { storedDocument } from './stored-document.js';
import { drainWithWorkers } from './worker-pool.js';

/**
 * The cache files of a catalog's photos: thumbnails, metadata documents and previews, made again
 * from the photo (through the digester, the one way a photo's bytes become cache files) when the
 * cache lacks them, and refused when the photo no longer matches the catalog.
 */
export class PhotoFiles {
  /** The rewrites `settleCachedDates` has under way, by photo-md5. */
  private readonly settling = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: Pick<CatalogContext, 'source' | 'working' | 'cache' | 'events' | 'options'>,
    private readonly entries: EntryQueries,
    private readonly digester: Digester,
  ) {}

  /** Where an entry's cache files live: by photo-md5, or by apple-photo-id in the `apple` shard. */
  cachePaths(entry: ImageEntry) {
    const key = this.digester.cacheKey(entry.photoMd5, entry.externalId ?? undefined);
    return { key, ...this.ctx.cache.pathsFor(this.ctx.options.shard, key) };
  }

  /** Absolute path of the entry's cached thumbnail, made from the photo if it is missing. */
  async thumbnail(id: string): Promise<string> {
    const entry = this.entries.requireImage(id);
    const paths = this.cachePaths(entry);
    if (isWholeJpeg(paths.thumbnail)) return paths.thumbnail;
    const present = await this.ctx.cache.has(this.ctx.options.shard, paths.key);
    if (present.thumbnail) return paths.thumbnail;
    if (!(await this.fetchThumbnail(entry))) await this.regenerate(entry, present);
    return paths.thumbnail;
  }

  /** Writes the thumbnail `fetchThumbnail` gives (a library's own), when it gives one. */
  private async fetchThumbnail(entry: ImageEntry): Promise<boolean> {
    const fetched = await this.ctx.options.fetchThumbnail?.(entry);
    if (!fetched || fetched.length === 0) return false;
    const paths = this.cachePaths(entry);
    await this.ctx.cache.writeThumbnail(this.ctx.options.shard, paths.key, fetched);
    this.ctx.events.emit('thumbnail-ready', {
      path: entry.path,
      photoMd5: entry.photoMd5,
      thumbnailPath: paths.thumbnail,
    });
    return true;
  }

  /**
   * Absolute path of the entry's metadata document, restored from the catalog or the photo if missing.
   * `metadataDocument(id)` gives the document itself, parsed and checked.
   */
  async metadata(id: string): Promise<string> {
    const entry = this.entries.requireImage(id);
    const paths = this.cachePaths(entry);
    await this.settleCachedDates(entry.photoMd5);
    // The document alone first: `has` also reads the thumbnail's ends, which only a repair needs.
    if (existsSync(paths.metadata)) return paths.metadata;
    const present = await this.ctx.cache.has(this.ctx.options.shard, paths.key);
    if (present.metadata) return paths.metadata;
    if (!(await this.restoreMetadata(entry, paths.key))) await this.regenerate(entry, present);
    return paths.metadata;
  }

  /**
   * Puts in the one form (see taken-at.ts) the capture dates of the cache documents of a photo whose
   * dates the catalog's upgrade to schema 8 put in it (`working.redated`): the file `metadata` names
   * is read by others (the gallery's metadata panel, users) and must say what `list` says. Done when
   * the photo's document is first asked for, not when the catalog is opened: a command that reads no
   * document reads no cache file, and a catalog of schema 8 holds no date of an older form (a cached
   * document it reuses from another root is put in the form by the scan that reuses it, see
   * DigestCache.upToDate). A second call while the first rewrites waits for it.
   */
  private settleCachedDates(md5: string): Promise<void> | undefined {
    if (this.ctx.working.redated.delete(md5)) {
      const settled = this.cachedDatesInForm(md5).finally(() => this.settling.delete(md5));
      this.settling.set(md5, settled);
    }
    return this.settling.get(md5);
  }

  /** Every cache document of the photo, one per external id it is cached under, in the one form. */
  private async cachedDatesInForm(md5: string): Promise<void> {
    const externalIds = this.ctx.working.db
      .prepare('SELECT DISTINCT external_id FROM entries WHERE photo_md5 = ?')
      .pluck()
      .all(md5);
    for (const externalId of externalIds) {
      let key: string;
      try {
        key = this.digester.cacheKey(md5, typeof externalId === 'string' ? externalId : undefined);
        this.ctx.cache.pathsFor(this.ctx.options.shard, key);
      } catch {
        continue; // No cache file of ours can be named by it.
      }
      await this.datedInFormOnDisk(key);
    }
  }

  /**
   * Rewrites the cached document under `key` with its `takenAt` in the one form, when it was made
   * before that form. Anything else in the file is left alone.
   */
  private async datedInFormOnDisk(key: string): Promise<void> {
    const { shard } = this.ctx.options;
    const stored = await this.ctx.cache.readMetadataJson(shard, key);
    if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return;
    const { takenAt } = stored as { takenAt?: unknown };
    if (typeof takenAt !== 'string' || takenAtForm(takenAt) === takenAt) return;
    await this.ctx.cache
      .writeMetadata(shard, key, { ...stored, takenAt: takenAtForm(takenAt) })
      .catch(() => {});
  }

  /**
   * The entry's metadata document, parsed and checked against `metadataDocumentSchema`: what the
   * file `metadata(id)` names holds (kind, dimensions, capture time and its source, camera, exposure,
   * location; duration, rotation and codec for a video). A cached file that is not a valid document
   * of this photo is replaced by the catalog's own copy; throws `CORRUPT` when there is none.
   */
  async metadataDocument(id: string): Promise<MetadataDocument> {
    const file = await this.metadata(id);
    const entry = this.entries.requireImage(id);
    const read = async () => {
      const parsed = metadataDocumentSchema.safeParse(safeJson(await fsp.readFile(file, 'utf8')));
      return parsed.success && parsed.data.photoMd5 === entry.photoMd5 ? datedInForm(parsed.data) : undefined;
    };
    const document =
      (await read()) ??
      ((await this.restoreMetadata(entry, this.cachePaths(entry).key)) ? await read() : undefined);
    if (document) return overlaySidecar(this.ctx.working.db, entry.path, document);
    throw new PhotolalaError('CORRUPT', `${entry.path}: its metadata document is not valid`, {
      backend: 'catalog',
      path: entry.path,
    });
  }

  /** The catalog's own copy of an entry's metadata document, when it has a valid one of this photo. */
  private storedDocument(entry: ImageEntry): MetadataDocument | undefined {
    const stored = this.ctx.working.db
      .prepare('SELECT document FROM metadata WHERE photo_md5 = ?')
      .pluck()
      .get(entry.photoMd5);
    const parsed = metadataDocumentSchema.safeParse(storedDocument(stored, entry.photoMd5));
    return parsed.success && parsed.data.photoMd5 === entry.photoMd5 ? datedInForm(parsed.data) : undefined;
  }

  /** Writes the catalog's own copy of an entry's metadata document back to the cache. */
  private async restoreMetadata(entry: ImageEntry, key: string): Promise<boolean> {
    const document = this.storedDocument(entry);
    if (!document) return false;
    await this.ctx.cache.writeMetadata(this.ctx.options.shard, key, document);
    return true;
  }

  /**
   * Absolute path of a large JPEG of the entry (fitting in PREVIEW_SIZE), rendered by the thumbnail
   * pipeline and cached on first use: for viewers of photos a browser cannot show as they are (HEIC,
   * RAW, TIFF). Refuses, as `thumbnail` does, an entry that is not an image or whose file changed.
   */
  async preview(id: string): Promise<string> {
    const entry = this.entries.requireImage(id, 'has no preview');
    if (entry.kind === 'video')
      throw new PhotolalaError('UNSUPPORTED', `${entry.path} is a video: it has a poster, no preview`, {
        backend: 'catalog',
        path: entry.path,
      });
    const paths = this.cachePaths(entry);
    if (existsSync(paths.preview)) return paths.preview;
    const { data, image } = await this.readPhoto(entry);
    const stored = await this.ctx.cache.readMetadataJson(this.ctx.options.shard, paths.key);
    const orientation = metadataDocumentSchema.safeParse(stored).data?.orientation;
    const rendered = await renderThumbnail(data, image.kind, {
      maxPixels: this.ctx.options.limits.maxPixels,
      preview: true,
      path: entry.path,
      ...(orientation !== undefined ? { orientation } : {}),
    });
    return this.ctx.cache.writePreview(this.ctx.options.shard, paths.key, rendered.jpeg);
  }

  /** Reads a photo whole, refusing it if its bytes no longer match the catalog. */
  private async readPhoto(entry: ImageEntry) {
    const path = validateRelativePath(entry.path, 'catalog');
    const changed = () =>
      new PhotolalaError('CORRUPT', `${path} changed since the last scan; run a scan first`, {
        backend: 'catalog',
        path,
      });
    let read: Awaited<ReturnType<typeof readWholeFile>>;
    try {
      read = await readWholeFile(
        this.ctx.source,
        { path, size: entry.size, mtimeMs: entry.mtimeMs },
        this.ctx.options.limits,
      );
    } catch (error) {
      // The read checks the size the catalog recorded: a file that is now larger or smaller was
      // edited or replaced since the scan, which says more than "grew while it was read".
      const sizeOrBytes = isPhotolalaError(error, 'CORRUPT') || isPhotolalaError(error, 'IO');
      if (sizeOrBytes && error.backend === 'digest') throw changed();
      throw error;
    }
    const { data, md5 } = read;
    if (md5 !== entry.photoMd5) throw changed();
    const image = await detectImageKind(data.subarray(0, HEAD_BYTES));
    if (!image)
      throw new PhotolalaError('CORRUPT', `${path} is no longer an image`, { backend: 'catalog', path });
    return { path, data, md5, image };
  }

  /**
   * Makes a photo's or video's cache files again through the digester, as a scan makes them: its
   * bytes must still be the ones cataloged (same head, same photo-md5), else it is refused before
   * anything is written. The document written is the catalog's own when it has one, which holds the
   * library's facts (Apple Photos) that the file alone lacks: written once, not made from the file and
   * then overwritten. `present` is what the caller just found in the cache, not asked again.
   */
  private async regenerate(entry: ImageEntry, present: { thumbnail: boolean; metadata: boolean }) {
    const path = validateRelativePath(entry.path, 'catalog');
    const changed = () =>
      new PhotolalaError('CORRUPT', `${path} changed since the last scan; run a scan first`, {
        backend: 'catalog',
        path,
      });
    const head = await this.ctx.source.readHead(path, HEAD_BYTES);
    if (fastPhotoKey(head, entry.size) !== entry.fastPhotoKey) throw changed();
    const media = await detectMediaKind(head);
    const video = entry.kind === 'video';
    if (!media || (media.kind === 'video') !== video)
      throw new PhotolalaError('CORRUPT', `${path} is no longer ${video ? 'a video' : 'an image'}`, {
        backend: 'catalog',
        path,
      });
    const document = this.storedDocument(entry);
    let result: Awaited<ReturnType<Digester['digest']>>;
    try {
      result = await this.digester.digest(
        this.ctx.source,
        {
          path,
          size: entry.size,
          mtimeMs: entry.mtimeMs,
          ...(entry.externalId ? { externalId: entry.externalId } : {}),
        },
        media,
        {
          ...(head.length === entry.size ? { head } : {}),
          fastPhotoKey: entry.fastPhotoKey,
          photoMd5: entry.photoMd5,
          cached: present,
          ...(document ? { document } : {}),
        },
      );
    } catch (error) {
      // The read checks the size, head and MD5 the catalog recorded: a file that differs was edited
      // or replaced since the scan, which says more than "grew while it was read".
      const sizeOrBytes = isPhotolalaError(error, 'CORRUPT') || isPhotolalaError(error, 'IO');
      if (sizeOrBytes && error.backend === 'digest') throw changed();
      throw error;
    }
    if ('unavailable' in result)
      throw new PhotolalaError('UNSUPPORTED', `${path} has no poster: ${result.unavailable}`, {
        backend: 'catalog',
        path,
      });
    this.ctx.events.emit('thumbnail-ready', {
      path,
      photoMd5: result.photoMd5,
      thumbnailPath: result.thumbnailPath,
    });
  }

  /**
   * Makes what `missingCacheFiles` found missing of one entry's cache files, from what it found: the
   * cache is not asked again. A thumbnail made again comes with its document (see regenerate).
   */
  private async repair(missing: { path: string; thumbnail: boolean; metadata: boolean }): Promise<void> {
    const entry = this.entries.requireImage(missing.path);
    const present = { thumbnail: !missing.thumbnail, metadata: !missing.metadata };
    if (missing.thumbnail && !(await this.fetchThumbnail(entry))) return this.regenerate(entry, present);
    if (missing.metadata && !(await this.restoreMetadata(entry, this.cachePaths(entry).key)))
      await this.regenerate(entry, { thumbnail: true, metadata: false });
  }

  /** Which entries' thumbnail or metadata document is missing from the cache. */
  async missingCacheFiles(): Promise<
    { path: string; photoMd5: string; thumbnail: boolean; metadata: boolean }[]
  > {
    const missing: { path: string; photoMd5: string; thumbnail: boolean; metadata: boolean }[] = [];
    // Materialised first: awaiting inside a live statement iterator would block other queries.
    for (const entry of this.entries.list()) {
      if (!isMd5(entry.photoMd5)) continue;
      const present = await this.ctx.cache.has(
        this.ctx.options.shard,
        this.cachePaths(entry as ImageEntry).key,
      );
      if (!present.thumbnail || !present.metadata) {
        missing.push({
          path: entry.path,
          photoMd5: entry.photoMd5 as string,
          thumbnail: !present.thumbnail,
          metadata: !present.metadata,
        });
      }
    }
    return missing;
  }

  /**
   * Makes again the cache files `missingCacheFiles` found missing (after a cache was pruned or
   * cleared), as many at once as a scan digests. A photo that changed since the last scan, or is
   * unreadable, is reported with its reason rather than guessed at.
   */
  async repairCacheFiles(
    missing: { path: string; thumbnail: boolean; metadata: boolean }[],
    options: { onProgress?: (done: number, total: number) => void } = {},
  ): Promise<{ repaired: string[]; failed: { path: string; reason: string }[] }> {
    const repaired: string[] = [];
    const failed: { path: string; reason: string }[] = [];
    let done = 0;
    options.onProgress?.(done, missing.length);
    // The catalog's one pool, as a scan digests; a copy, since the pool clears the slots it takes.
    await drainWithWorkers([...missing], this.ctx.options.limits.concurrency, async (m) => {
      try {
        await this.repair(m);
        repaired.push(m.path);
      } catch (error) {
        failed.push({ path: m.path, reason: describeError(error) });
      }
      options.onProgress?.(++done, missing.length);
    });
    const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return { repaired: repaired.sort(byPath), failed: failed.sort((a, b) => byPath(a.path, b.path)) };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
