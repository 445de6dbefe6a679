import os from 'node:os';
import type { SourceAttributes } from '../source/root-source.js';
import type { MetadataDocument } from './metadata.js';

// What a digest is given and gives back.

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

/** Who the bytes belong to, beyond their MD5, and what the caller already knows of their cache files. */
export interface DigestContext {
  /** The apple-photo-id, which keys the `apple` cache shard. */
  externalId?: string;
  attributes?: SourceAttributes;
  /**
   * The document a catalog holds for these bytes, written in place of one made from the file alone:
   * it has the library's facts (Apple Photos), which the file lacks. For cache files made again.
   */
  document?: MetadataDocument;
  /** Which of the photo's cache files the caller just found present, so the cache is not asked twice. */
  cached?: { thumbnail: boolean; metadata: boolean };
}

/** How a digest reads its file, beyond the entry, and what it is told about it. */
export interface DigestRead extends Pick<DigestContext, 'document' | 'cached'> {
  /** The file's bytes, when the head read earlier already holds it all (files up to 4 KiB). */
  head?: Uint8Array | undefined;
  /** The fast-photo-key of the head read earlier, which the whole read must match. */
  fastPhotoKey?: string;
  /**
   * The photo-md5 the bytes must have (a cataloged photo made again): other bytes are refused with
   * CORRUPT before any cache file is written.
   */
  photoMd5?: string;
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
