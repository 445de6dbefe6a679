import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import envPaths from 'env-paths';
import { isApplePhotoId, isMd5, md5Hex } from '../digest/identity.js';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { PhotolalaError } from '../source/errors.js';
import { makeFolderSync } from '../source/make-folder.js';
import { readRegularFile } from '../source/regular-file.js';

/** Shorter than any JPEG the thumbnailer writes (its tables alone take more). */
const MIN_JPEG_BYTES = 128;

/**
 * Whether `file` looks like a whole JPEG without decoding it: a regular file of some length that
 * starts with a JPEG's SOI and marker (FF D8 FF) and ends with its EOI (FF D9). A copy cut short by
 * a full disk or a killed process fails the end check.
 */
export function isWholeJpeg(file: string): boolean {
  let fd: number;
  try {
    // Non-blocking, so that a FIFO planted in the cache is never waited on (fstat then refuses it).
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size < MIN_JPEG_BYTES) return false;
    const head = Buffer.alloc(3);
    const tail = Buffer.alloc(2);
    if (readSync(fd, head, 0, 3, 0) !== 3 || readSync(fd, tail, 0, 2, stats.size - 2) !== 2) return false;
    return head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff && tail[0] === 0xff && tail[1] === 0xd9;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * Which part of the cache a photo's derived files live in (DESIGN.md section 3): `local`, `s3` and
 * `apple` for the first-party backends, or a third-party backend's own (see `isCacheShardName`),
 * keyed by photo-md5 like `local`.
 */
export type CacheShard = 'local' | 's3' | 'apple' | (string & {});
/** The first-party cache shards. */
export const CACHE_SHARDS: readonly CacheShard[] = ['local', 's3', 'apple'];

/**
 * Whether `name` may name a cache shard: lower-case letters, digits and `-`, starting with a letter,
 * at most 24 characters (so never a mirror folder's 32-digit MD5), and not `tmp`, the cache's own.
 */
export function isCacheShardName(name: string): boolean {
  return /^[a-z][a-z0-9-]{0,23}$/.test(name) && name !== 'tmp';
}

/**
 * The files the cache keeps per photo, as `pathsFor` names them: `{folder}/.../{key}{extension}`.
 * Previews are made only when a viewer asks for one (`photolala serve`, for HEIC and RAW photos).
 */
export const CACHED_FILE_KINDS = [
  { folder: 'thumbnails', extension: '.jpg' },
  { folder: 'metadata', extension: '.json' },
  { folder: 'previews', extension: '.jpg' },
] as const;

/**
 * Absolute paths of one photo's derived files in the cache (`PhotoCache.pathsFor`); they may not exist yet.
 */
export interface CachedFilePaths {
  thumbnail: string;
  metadata: string;
  /** A large JPEG for viewers, of photos a browser cannot show as they are (see `renderPreview`). */
  preview: string;
}

/**
 * The cache root: an explicit option, else `PHOTOLALA_CACHE_DIR`, else the platform cache folder
 * (`~/Library/Caches/Photolala` on macOS, `$XDG_CACHE_HOME/photolala` or `~/.cache/photolala` elsewhere).
 */
export function resolveCacheRoot(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = option ?? env.PHOTOLALA_CACHE_DIR;
  if (chosen !== undefined && chosen !== '') return nodePath.resolve(chosen);
  const name = os.platform() === 'darwin' ? 'Photolala' : 'photolala';
  return envPaths(name, { suffix: '' }).cache;
}

/**
 * The content-addressed cache of thumbnails and metadata documents shared by every root:
 * `{root}/{shard}/thumbnails/{md5[0:2]}/{md5}.jpg` and `{root}/{shard}/metadata/{md5[0:2]}/{md5}.json`;
 * the `apple` shard is keyed by apple-photo-id and not sharded. Every key is validated before a path
 * is built from it, so nothing outside the cache root can be named.
 */
export class PhotoCache {
  readonly root: string;
  /** Shard folders already created by this process: one mkdir per folder, not one per file. */
  private readonly knownFolders = new Set<string>();

  constructor(root: string) {
    this.root = nodePath.resolve(root);
  }

  pathsFor(shard: CacheShard, key: string): CachedFilePaths {
    if (shard === 'apple') {
      if (!isApplePhotoId(key)) throw this.badKey(shard, key);
      const id = key.toUpperCase();
      return {
        thumbnail: nodePath.join(this.root, 'apple', 'thumbnails', `${id}.jpg`),
        metadata: nodePath.join(this.root, 'apple', 'metadata', `${id}.json`),
        preview: nodePath.join(this.root, 'apple', 'previews', `${id}.jpg`),
      };
    }
    if (!isCacheShardName(shard) || !isMd5(key)) throw this.badKey(shard, key);
    const xx = key.slice(0, 2);
    return {
      thumbnail: nodePath.join(this.root, shard, 'thumbnails', xx, `${key}.jpg`),
      metadata: nodePath.join(this.root, shard, 'metadata', xx, `${key}.json`),
      preview: nodePath.join(this.root, shard, 'previews', xx, `${key}.jpg`),
    };
  }

  /** `{cache-root}/{root-md5}`: where a root's snapshots are mirrored. */
  mirrorDir(rootUri: string): string {
    return nodePath.join(this.root, md5Hex(Buffer.from(rootUri, 'utf8')));
  }

  /**
   * Which of the two derived files are there to use: the metadata document exists, the thumbnail is
   * a whole JPEG (see `isWholeJpeg`), so a truncated one is made again rather than served. Inline
   * syscalls, cheaper than a trip through the thread pool.
   */
  async has(shard: CacheShard, key: string): Promise<{ thumbnail: boolean; metadata: boolean }> {
    const paths = this.pathsFor(shard, key);
    return { thumbnail: isWholeJpeg(paths.thumbnail), metadata: existsSync(paths.metadata) };
  }

  async writeThumbnail(shard: CacheShard, key: string, jpeg: Uint8Array): Promise<string> {
    const { thumbnail } = this.pathsFor(shard, key);
    await this.write(thumbnail, jpeg);
    return thumbnail;
  }

  async writePreview(shard: CacheShard, key: string, jpeg: Uint8Array): Promise<string> {
    const { preview } = this.pathsFor(shard, key);
    await this.write(preview, jpeg);
    return preview;
  }

  async writeMetadata(shard: CacheShard, key: string, document: unknown): Promise<string> {
    const { metadata } = this.pathsFor(shard, key);
    await this.write(metadata, Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8'));
    return metadata;
  }

  /** The parsed JSON of a metadata document, or `undefined` when it is missing or unreadable. */
  async readMetadataJson(shard: CacheShard, key: string): Promise<unknown> {
    try {
      return JSON.parse(String(await readRegularFile(this.pathsFor(shard, key).metadata, 'cache')));
    } catch {
      return undefined;
    }
  }

  private async write(target: string, data: Uint8Array): Promise<void> {
    try {
      // Cache files are regenerated on demand, so atomic is enough; fsync per thumbnail would
      // dominate the cost of a scan of small photos.
      const folder = nodePath.dirname(target);
      if (!this.knownFolders.has(folder)) {
        makeFolderSync(folder);
        this.knownFolders.add(folder);
      }
      try {
        writeAtomicSync(folder, target, data);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        // The folder went away since this process made it (the user cleared the cache, or
        // `cache prune` emptied it): make it again rather than fail every later write into it.
        makeFolderSync(folder);
        writeAtomicSync(folder, target, data);
      }
    } catch (cause) {
      throw new PhotolalaError('IO', `cannot write cache file ${target}: ${(cause as Error).message}`, {
        backend: 'cache',
        path: target,
        cause,
      });
    }
  }

  private badKey(shard: string, key: string): PhotolalaError {
    return new PhotolalaError(
      'INVALID_ARGUMENT',
      `invalid cache key ${JSON.stringify(key)} for shard ${shard}`,
      {
        backend: 'cache',
      },
    );
  }
}

/** A random part drawn once per process; a counter makes each temp name of the process unique. */
let tempNames: { prefix: string; count: number } | undefined;

/**
 * A temp file's name, unique to this process and, by its random part, to any other process writing
 * the same cache (`wx` refuses the rare clash). Not drawn per file: two random draws per photo showed
 * in the profile of a cold catalog of small photos.
 */
function nextTempName(): string {
  tempNames ??= { prefix: `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}-`, count: 0 };
  return `${tempNames.prefix}${(tempNames.count++).toString(36)}`;
}

/**
 * Writes `data` to `target` by a temp file in `folder` and a rename. Synchronous on purpose: a few
 * small writes cost less on the (mostly idle) main thread than queued behind sharp's decodes in
 * libuv's shared thread pool.
 */
function writeAtomicSync(folder: string, target: string, data: Uint8Array): void {
  const temp = nodePath.join(folder, nextTempName());
  try {
    writeFileSync(temp, data, { flag: 'wx', mode: 0o644 });
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
