import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import nodePath from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CacheShard, PhotoCache } from '../cache/cache.js';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { PhotolalaError } from '../source/errors.js';
import { makeFolderSync } from '../source/make-folder.js';
import type { RootSource, SourceEntry } from '../source/root-source.js';
import { DigestCache } from './digest-cache.js';
import type {
  DigestContext,
  DigestLimits,
  DigestRead,
  DigestResult,
  VideoWithoutPoster,
} from './digest-types.js';
import { md5Hex } from './identity.js';
import type { DetectedImage, DetectedMedia, DetectedVideo } from './image-kind.js';
import {
  applyLibraryAttributes,
  buildMetadataDocument,
  type MetadataDocument,
  readExif,
} from './metadata.js';
import { datedInForm } from './taken-at.js';
import { renderThumbnail } from './thumbnail.js';
import {
  buildVideoDocument,
  FFMPEG_MISSING,
  findVideoTools,
  probeVideo,
  renderPoster,
  VIDEO_TIMEOUT_MS,
  type VideoTools,
} from './video.js';
import { readWholeFile, streamWholeFile } from './whole-file.js';

/**
 * Turns an image file into its photo-md5, metadata document and thumbnail, through the shared cache.
 * A photo already cached (same photo-md5, from any root) is not decoded again, and two copies of one
 * photo digested at the same moment are rendered once.
 */
export class Digester {
  private readonly inFlight = new Map<
    string,
    Promise<Omit<DigestResult, 'rendered'> & { rendered: boolean }>
  >();

  /**
   * Decodes at once: `limits.concurrency`. Callers may run one more digest than that, so the next
   * file is being read and hashed while the decoders are busy; only decoding waits for a slot.
   */
  private readonly decodeSlots: LimitFunction;
  /** Where results are looked up and written. */
  private readonly files: DigestCache;

  constructor(
    readonly cache: PhotoCache,
    readonly shard: CacheShard,
    readonly limits: DigestLimits,
  ) {
    this.decodeSlots = pLimit(Math.max(1, limits.concurrency));
    this.files = new DigestCache(cache, shard);
  }

  /**
   * The one way a file's bytes become its photo-md5 and cache files, for a scan and for cache files
   * made again alike: the file is read once (not at all when `read.head` holds it whole), hashed on the
   * way, and checked against `read` (see DigestRead) before anything is written.
   */
  async digest(
    source: RootSource,
    entry: SourceEntry,
    image: DetectedImage,
    read?: DigestRead,
  ): Promise<DigestResult>;
  async digest(
    source: RootSource,
    entry: SourceEntry,
    media: DetectedMedia,
    read?: DigestRead,
  ): Promise<DigestResult | VideoWithoutPoster>;
  async digest(
    source: RootSource,
    entry: SourceEntry,
    image: DetectedMedia,
    read: DigestRead = {},
  ): Promise<DigestResult | VideoWithoutPoster> {
    const byStoreMd5 = await this.fromStoreMd5(entry);
    if (byStoreMd5 && 'photoMd5' in byStoreMd5) return byStoreMd5;
    const context: DigestContext = {
      ...(entry.externalId !== undefined ? { externalId: entry.externalId } : {}),
      ...(entry.attributes ? { attributes: entry.attributes } : {}),
      ...(read.document ? { document: read.document } : {}),
      ...(read.cached ? { cached: read.cached } : {}),
    };
    if (image.kind === 'video') return this.digestVideo(source, entry, image, read, context);
    const { head } = read;
    const { data, md5 } =
      head && head.length === entry.size
        ? { data: Buffer.from(head), md5: md5Hex(head) }
        : await readWholeFile(source, entry, this.limits, read.fastPhotoKey);
    refuseOtherBytes(entry.path, md5, read.photoMd5);
    // The cache was just looked at under the MD5 the store vouched for, which these bytes have.
    if (byStoreMd5 && md5 === entry.contentMd5) context.cached = byStoreMd5.cached;
    return this.digestBytes(md5, data, entry.path, image, context);
  }

  /**
   * A photo the cache already holds, found by the MD5 the store vouches for (an S3 single-part ETag):
   * no download is needed. Not for the `apple` shard, which is keyed by id, not content. Otherwise
   * what the cache holds under that MD5, for the digest not to ask again.
   */
  private async fromStoreMd5(
    entry: SourceEntry,
  ): Promise<DigestResult | { cached: { thumbnail: boolean; metadata: boolean } } | undefined> {
    const md5 = entry.contentMd5;
    if (this.shard === 'apple' || md5 === undefined || !/^[0-9a-f]{32}$/.test(md5)) return undefined;
    const present = await this.cache.has(this.shard, md5);
    if (!present.thumbnail || !present.metadata) return { cached: present };
    const cached = await this.files.cachedMetadata(md5, md5);
    if (!cached || cached.size !== entry.size) return undefined;
    const paths = this.cache.pathsFor(this.shard, md5);
    return {
      photoMd5: md5,
      metadata: applyLibraryAttributes(await this.files.upToDate(md5, cached), entry.attributes),
      thumbnailPath: paths.thumbnail,
      metadataPath: paths.metadata,
      rendered: false,
    };
  }

  /** ffmpeg and ffprobe, looked for once per digester. */
  private videoTools: VideoTools | null | undefined;

  /**
   * A video is never held in memory: it is streamed, hashed on the way, into a temp file in the
   * cache, which ffprobe and ffmpeg then read by path. A pipe would do for some files, but an MP4
   * or MOV whose `moov` index is written at the end (what most cameras and ffmpeg itself write)
   * cannot be probed or seeked from a pipe. The temp file is removed however the digest ends, so the
   * disk used is bounded by the videos being digested at once.
   */
  private async digestVideo(
    source: RootSource,
    entry: SourceEntry,
    video: DetectedVideo,
    read: DigestRead,
    context: DigestContext,
  ): Promise<DigestResult | VideoWithoutPoster> {
    if (this.videoTools === undefined) this.videoTools = findVideoTools() ?? null;
    const tools = this.videoTools;
    const expectedKey = read.fastPhotoKey;
    if (!tools) {
      const photoMd5 = await streamWholeFile(source, entry, expectedKey, () => {});
      refuseOtherBytes(entry.path, photoMd5, read.photoMd5);
      const cached = await this.cachedResult(this.cacheKey(photoMd5, context.externalId), photoMd5, context);
      return cached ?? { photoMd5, unavailable: FFMPEG_MISSING };
    }
    const folder = nodePath.join(this.cache.root, 'tmp');
    makeFolderSync(folder);
    const file = nodePath.join(folder, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.video`);
    try {
      const out = await open(file, 'wx', 0o600);
      let photoMd5: string;
      try {
        photoMd5 = await streamWholeFile(source, entry, expectedKey, async (bytes) => {
          for (let at = 0; at < bytes.length; ) at += (await out.write(bytes, at)).bytesWritten;
        });
      } finally {
        await out.close();
      }
      refuseOtherBytes(entry.path, photoMd5, read.photoMd5);
      const key = this.cacheKey(photoMd5, context.externalId);
      return await this.once(key, () => this.produceVideo(key, photoMd5, file, entry, video, tools, context));
    } finally {
      rmSync(file, { force: true });
    }
  }

  private async produceVideo(
    key: string,
    photoMd5: string,
    file: string,
    entry: SourceEntry,
    video: DetectedVideo,
    tools: VideoTools,
    context: DigestContext,
  ): Promise<DigestResult> {
    const cached = await this.cachedResult(key, photoMd5, context);
    if (cached) return cached;
    const { poster, facts } = await this.decodeSlots(async () => {
      const limitMs = this.limits.videoTimeoutMs ?? VIDEO_TIMEOUT_MS;
      const deadline = { at: Date.now() + limitMs, limitMs };
      const facts = await probeVideo(tools, file, entry.path, deadline);
      return { facts, poster: await renderPoster(tools, file, entry.path, facts, deadline) };
    });
    const document =
      context.document ??
      buildVideoDocument({ photoMd5, mime: video.mime, path: entry.path, size: entry.size, facts });
    return this.files.store(key, photoMd5, poster, document, context.attributes);
  }

  /**
   * The photo's files as the cache holds them (see DigestCache.fromCache), unless the caller just
   * found one missing: then there is nothing to find, and the cache is not asked again.
   */
  private cachedResult(key: string, photoMd5: string, context: DigestContext) {
    const known = context.cached;
    if (known && !(known.thumbnail && known.metadata)) return Promise.resolve(undefined);
    return this.files.fromCache(key, photoMd5, context.attributes);
  }

  /** The key a photo's cache files live under: its photo-md5, or its apple-photo-id in the `apple` shard. */
  cacheKey(photoMd5: string, externalId: string | undefined): string {
    return this.files.cacheKey(photoMd5, externalId);
  }

  /** Digests bytes already in memory whose MD5 is known. */
  async digestBytes(
    photoMd5: string,
    data: Buffer,
    path: string,
    image: DetectedImage,
    context: DigestContext = {},
  ): Promise<DigestResult> {
    const key = this.cacheKey(photoMd5, context.externalId);
    return this.once(key, () => this.produce(key, photoMd5, data, path, image, context));
  }

  /** Runs `work` for a cache key unless it is already running; a second caller shares the first's result. */
  private async once(key: string, work: () => Promise<DigestResult>): Promise<DigestResult> {
    const running = this.inFlight.get(key);
    if (running) return { ...(await running), rendered: false };
    const started = work();
    this.inFlight.set(key, started);
    try {
      return await started;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /**
   * The cached metadata document under `key`, when it exists, is valid and describes these bytes; its
   * `takenAt` in the one form (see taken-at.ts).
   */
  async cachedMetadata(key: string, photoMd5: string): Promise<MetadataDocument | undefined> {
    const cached = await this.files.cachedMetadata(key, photoMd5);
    return cached && datedInForm(cached);
  }

  private async produce(
    key: string,
    photoMd5: string,
    data: Buffer,
    path: string,
    image: DetectedImage,
    context: DigestContext,
  ): Promise<DigestResult> {
    const cached = await this.cachedResult(key, photoMd5, context);
    if (cached) return cached;
    const exif = await readExif(data);
    const thumbnail = await this.decodeSlots(() =>
      renderThumbnail(data, image.kind, {
        maxPixels: this.limits.maxPixels,
        path,
        ...(exif.orientation !== undefined ? { orientation: exif.orientation } : {}),
      }),
    );
    const document =
      context.document ??
      buildMetadataDocument({
        photoMd5,
        kind: image.kind,
        mime: image.mime,
        path,
        size: data.length,
        exif,
        dimensions: thumbnail,
      });
    return this.files.store(key, photoMd5, thumbnail.jpeg, document, context.attributes);
  }
}

/** Refuses bytes that do not hash to the photo-md5 a caller expects (see DigestRead.photoMd5). */
function refuseOtherBytes(path: string, photoMd5: string, expected: string | undefined): void {
  if (expected !== undefined && photoMd5 !== expected)
    throw new PhotolalaError('CORRUPT', `the bytes hash to ${photoMd5}, not to ${expected}`, {
      backend: 'digest',
      path,
    });
}
