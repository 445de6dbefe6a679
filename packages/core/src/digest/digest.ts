import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import os from 'node:os';
import nodePath from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CacheShard, PhotoCache } from '../cache/cache.js';
import { perceptualHash } from '../compare/perceptual-hash.js';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { PhotolalaError } from '../source/errors.js';
import { makeFolderSync } from '../source/make-folder.js';
import type { RootSource, SourceAttributes, SourceEntry } from '../source/root-source.js';
import { fastPhotoKey, HEAD_BYTES, md5Hex, md5OfStream } from './identity.js';
import type { DetectedImage, DetectedMedia, DetectedVideo } from './image-kind.js';
import {
  applyLibraryAttributes,
  buildMetadataDocument,
  type MetadataDocument,
  metadataDocumentSchema,
  readExif,
} from './metadata.js';
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

/** How much a digest may take: photos at once, pixels, bytes, and time for a video. */
export interface DigestLimits {
  /** Images digested at once. */
  concurrency: number;
  /** Largest image, in pixels, that is decoded; larger ones are recorded as failed. */
  maxPixels: number;
  /** Largest file read whole for a digest. Videos are streamed to a temp file instead. */
  maxFileBytes: number;
  /** Longest ffprobe and ffmpeg may take over one video, together; default VIDEO_TIMEOUT_MS. */
  videoTimeoutMs?: number;
}

/**
 * Defaults for local disks: decoding is CPU-bound, so one image per core, plus one. Each sharp
 * pipeline leaves its cores idle between its steps (the JPEG decode runs on one thread, and results
 * hop through the event loop), and one more image in flight fills those gaps: on two cores, 256x256
 * thumbnails of 320x240 JPEGs came 13% faster at three at once than at two, and a cold catalog of
 * 10,000 of them 10% faster, for no more peak memory.
 */
export const LOCAL_DIGEST_LIMITS: DigestLimits = {
  concurrency: Math.max(2, os.availableParallelism?.() ?? os.cpus().length) + 1,
  maxPixels: 200_000_000,
  maxFileBytes: 1024 * 1024 * 1024,
};

/** Defaults for remote stores: more requests in flight to hide latency. */
export const REMOTE_DIGEST_LIMITS: DigestLimits = { ...LOCAL_DIGEST_LIMITS, concurrency: 8 };

/** Who the bytes belong to, beyond their MD5. */
export interface DigestContext {
  /** The apple-photo-id, which keys the `apple` cache shard. */
  externalId?: string;
  attributes?: SourceAttributes;
}

/** One digested photo: its photo-md5, its metadata document, and where the cache keeps its files. */
export interface DigestResult {
  photoMd5: string;
  metadata: MetadataDocument;
  thumbnailPath: string;
  metadataPath: string;
  /** False when the cache already held this photo (from any root) and nothing was rendered. */
  rendered: boolean;
}

/** A video cataloged by its MD5 alone: no ffmpeg was found, so it has no poster or metadata. */
export interface VideoWithoutPoster {
  photoMd5: string;
  /** FFMPEG_MISSING. */
  unavailable: string;
}

/**
 * Streams a whole file through `sink`, hashing it, with the same checks as readWholeFile: the size
 * the listing gave, and the head read before (a file replaced between the two reads).
 */
async function streamWholeFile(
  source: RootSource,
  entry: SourceEntry,
  expectedKey: string | undefined,
  sink: (bytes: Uint8Array) => void | Promise<void>,
): Promise<string> {
  const stream = await source.readAll(entry.path);
  const head = Buffer.allocUnsafe(Math.min(entry.size, HEAD_BYTES));
  let filled = 0;
  const md5 = await md5OfStream(stream, async (bytes) => {
    if (filled + bytes.length > entry.size) {
      throw new PhotolalaError('CORRUPT', 'file grew while it was read', {
        backend: 'digest',
        path: entry.path,
      });
    }
    if (filled < head.length) head.set(bytes.subarray(0, head.length - filled), filled);
    filled += bytes.length;
    await sink(bytes);
  });
  if (filled !== entry.size) {
    throw new PhotolalaError('IO', `file shrank while it was read (${filled} of ${entry.size} bytes)`, {
      backend: 'digest',
      path: entry.path,
    });
  }
  if (expectedKey !== undefined && fastPhotoKey(head, entry.size) !== expectedKey) {
    throw new PhotolalaError('IO', 'file changed while it was read: its head is not the one read before', {
      backend: 'digest',
      path: entry.path,
    });
  }
  return md5;
}

/**
 * Reads a whole file once into one buffer of the expected size, hashing as it streams. The buffer
 * is what the decoders need anyway; it is not copied again.
 */
export async function readWholeFile(
  source: RootSource,
  entry: SourceEntry,
  limits: DigestLimits,
  expectedKey?: string,
): Promise<{ data: Buffer; md5: string }> {
  if (entry.size > limits.maxFileBytes) {
    throw new PhotolalaError(
      'UNSUPPORTED',
      `file is ${entry.size} bytes, over the limit of ${limits.maxFileBytes}`,
      {
        backend: 'digest',
        path: entry.path,
      },
    );
  }
  const stream = await source.readAll(entry.path);
  // Allocated on the second chunk: a source that delivers the file in one chunk (the local backend
  // reads file-sized chunks) hands over its buffer, with no copy.
  let data: Buffer | undefined;
  let first: Buffer | undefined;
  let filled = 0;
  const md5 = await md5OfStream(stream, (bytes) => {
    if (filled + bytes.length > entry.size) {
      throw new PhotolalaError('CORRUPT', 'file grew while it was read', {
        backend: 'digest',
        path: entry.path,
      });
    }
    if (filled === 0 && Buffer.isBuffer(bytes)) first = bytes;
    else {
      if (!data) {
        data = Buffer.allocUnsafe(entry.size);
        if (first) data.set(first, 0);
        first = undefined;
      }
      data.set(bytes, filled);
    }
    filled += bytes.length;
  });
  // IO, not CORRUPT: a stream cut short by a flaky store shows the same, and the file must be read
  // again by the next scan even though its size and mtime did not change.
  if (filled !== entry.size) {
    throw new PhotolalaError('IO', `file shrank while it was read (${filled} of ${entry.size} bytes)`, {
      backend: 'digest',
      path: entry.path,
    });
  }
  const whole = data ?? first ?? Buffer.alloc(0);
  // The head read earlier must be this file's head: a file replaced between the two reads (one photo
  // moved over another of the same size) would pair one file's fast-photo-key with another's MD5.
  if (expectedKey !== undefined && fastPhotoKey(whole, entry.size) !== expectedKey) {
    throw new PhotolalaError('IO', 'file changed while it was read: its head is not the one read before', {
      backend: 'digest',
      path: entry.path,
    });
  }
  return { data: whole, md5 };
}

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

  constructor(
    readonly cache: PhotoCache,
    readonly shard: CacheShard,
    readonly limits: DigestLimits,
  ) {
    this.decodeSlots = pLimit(Math.max(1, limits.concurrency));
  }

  /**
   * `read.head` may be passed when it already holds the whole file (files up to 4 KiB), saving a
   * read; `read.fastPhotoKey`, the key from the head read earlier, which the whole read must match.
   */
  async digest(
    source: RootSource,
    entry: SourceEntry,
    image: DetectedImage,
    read?: { head?: Uint8Array | undefined; fastPhotoKey?: string },
  ): Promise<DigestResult>;
  async digest(
    source: RootSource,
    entry: SourceEntry,
    media: DetectedMedia,
    read?: { head?: Uint8Array | undefined; fastPhotoKey?: string },
  ): Promise<DigestResult | VideoWithoutPoster>;
  async digest(
    source: RootSource,
    entry: SourceEntry,
    image: DetectedMedia,
    read: { head?: Uint8Array | undefined; fastPhotoKey?: string } = {},
  ): Promise<DigestResult | VideoWithoutPoster> {
    const cached = await this.fromStoreMd5(entry);
    if (cached) return cached;
    if (image.kind === 'video') return this.digestVideo(source, entry, image, read.fastPhotoKey);
    const { head } = read;
    const { data, md5 } =
      head && head.length === entry.size
        ? { data: Buffer.from(head), md5: md5Hex(head) }
        : await readWholeFile(source, entry, this.limits, read.fastPhotoKey);
    return this.digestBytes(md5, data, entry.path, image, {
      ...(entry.externalId !== undefined ? { externalId: entry.externalId } : {}),
      ...(entry.attributes ? { attributes: entry.attributes } : {}),
    });
  }

  /**
   * A photo the cache already holds, found by the MD5 the store vouches for (an S3 single-part ETag):
   * no download is needed. Not for the `apple` shard, which is keyed by id, not content.
   */
  private async fromStoreMd5(entry: SourceEntry): Promise<DigestResult | undefined> {
    const md5 = entry.contentMd5;
    if (this.shard === 'apple' || md5 === undefined || !/^[0-9a-f]{32}$/.test(md5)) return undefined;
    const present = await this.cache.has(this.shard, md5);
    if (!present.thumbnail || !present.metadata) return undefined;
    const cached = await this.cachedMetadata(md5, md5);
    if (!cached || cached.size !== entry.size) return undefined;
    const paths = this.cache.pathsFor(this.shard, md5);
    return {
      photoMd5: md5,
      metadata: applyLibraryAttributes(await this.withPerceptualHash(md5, cached), entry.attributes),
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
    expectedKey: string | undefined,
  ): Promise<DigestResult | VideoWithoutPoster> {
    if (this.videoTools === undefined) this.videoTools = findVideoTools() ?? null;
    const tools = this.videoTools;
    const context = {
      ...(entry.externalId !== undefined ? { externalId: entry.externalId } : {}),
      ...(entry.attributes ? { attributes: entry.attributes } : {}),
    };
    if (!tools) {
      const photoMd5 = await streamWholeFile(source, entry, expectedKey, () => {});
      const cached = await this.fromCache(
        this.cacheKey(photoMd5, context.externalId),
        photoMd5,
        context.attributes,
      );
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
      const key = this.cacheKey(photoMd5, context.externalId);
      return await this.once(key, () =>
        this.produceVideo(key, photoMd5, file, entry, video, tools, context.attributes),
      );
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
    attributes: SourceAttributes | undefined,
  ): Promise<DigestResult> {
    const cached = await this.fromCache(key, photoMd5, attributes);
    if (cached) return cached;
    const { poster, facts } = await this.decodeSlots(async () => {
      const limitMs = this.limits.videoTimeoutMs ?? VIDEO_TIMEOUT_MS;
      const deadline = { at: Date.now() + limitMs, limitMs };
      const facts = await probeVideo(tools, file, entry.path, deadline);
      return { facts, poster: await renderPoster(tools, file, entry.path, facts, deadline) };
    });
    const document = buildVideoDocument({
      photoMd5,
      mime: video.mime,
      path: entry.path,
      size: entry.size,
      facts,
    });
    return this.store(key, photoMd5, poster, document, attributes);
  }

  /** The key a photo's cache files live under: its photo-md5, or its apple-photo-id in the `apple` shard. */
  cacheKey(photoMd5: string, externalId: string | undefined): string {
    if (this.shard !== 'apple') return photoMd5;
    if (externalId === undefined) {
      throw new PhotolalaError('INVALID_ARGUMENT', 'an entry in the apple shard has no apple-photo-id', {
        backend: 'digest',
      });
    }
    return externalId.toUpperCase();
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
    return this.once(key, () => this.produce(key, photoMd5, data, path, image, context.attributes));
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

  /** The cached metadata document under `key`, when it exists, is valid and describes these bytes. */
  async cachedMetadata(key: string, photoMd5: string): Promise<MetadataDocument | undefined> {
    const parsed = metadataDocumentSchema.safeParse(await this.cache.readMetadataJson(this.shard, key));
    return parsed.success && parsed.data.photoMd5 === photoMd5 ? parsed.data : undefined;
  }

  /**
   * A cached document made before perceptual hashes existed gets its hash from the cached thumbnail
   * (the digest hashes the same thumbnail, so the two agree), and the cache file is rewritten with it.
   * Should the thumbnail not decode, the document goes without; `duplicates --similar` says so.
   */
  private async withPerceptualHash(key: string, document: MetadataDocument): Promise<MetadataDocument> {
    if (document.perceptualHash !== undefined) return document;
    try {
      const thumbnail = await readFile(this.cache.pathsFor(this.shard, key).thumbnail);
      const hashed = { ...document, perceptualHash: await perceptualHash(thumbnail) };
      await this.cache.writeMetadata(this.shard, key, hashed);
      return hashed;
    } catch {
      return document;
    }
  }

  /** The photo's cache files, when both are present and the document is valid for these bytes. */
  private async fromCache(
    key: string,
    photoMd5: string,
    attributes: SourceAttributes | undefined,
  ): Promise<DigestResult | undefined> {
    const present = await this.cache.has(this.shard, key);
    if (!present.thumbnail || !present.metadata) return undefined;
    const cached = await this.cachedMetadata(key, photoMd5);
    if (!cached) return undefined;
    const paths = this.cache.pathsFor(this.shard, key);
    return {
      photoMd5,
      metadata: applyLibraryAttributes(await this.withPerceptualHash(key, cached), attributes),
      thumbnailPath: paths.thumbnail,
      metadataPath: paths.metadata,
      rendered: false,
    };
  }

  private async produce(
    key: string,
    photoMd5: string,
    data: Buffer,
    path: string,
    image: DetectedImage,
    attributes: SourceAttributes | undefined,
  ): Promise<DigestResult> {
    const cached = await this.fromCache(key, photoMd5, attributes);
    if (cached) return cached;
    const exif = await readExif(data);
    const thumbnail = await this.decodeSlots(() =>
      renderThumbnail(data, image.kind, {
        maxPixels: this.limits.maxPixels,
        ...(exif.orientation !== undefined ? { orientation: exif.orientation } : {}),
      }),
    );
    const fromExif = buildMetadataDocument({
      photoMd5,
      kind: image.kind,
      mime: image.mime,
      path,
      size: data.length,
      exif,
      dimensions: thumbnail,
    });
    return this.store(key, photoMd5, thumbnail.jpeg, fromExif, attributes);
  }

  /** Writes a freshly made thumbnail and document (with its perceptual hash) to the cache. */
  private async store(
    key: string,
    photoMd5: string,
    thumbnail: Buffer,
    document: MetadataDocument,
    attributes: SourceAttributes | undefined,
  ): Promise<DigestResult> {
    const paths = this.cache.pathsFor(this.shard, key);
    const metadata = applyLibraryAttributes(
      { ...document, perceptualHash: await perceptualHash(thumbnail) },
      attributes,
    );
    await this.cache.writeThumbnail(this.shard, key, thumbnail);
    await this.cache.writeMetadata(this.shard, key, metadata);
    return {
      photoMd5,
      metadata,
      thumbnailPath: paths.thumbnail,
      metadataPath: paths.metadata,
      rendered: true,
    };
  }
}
