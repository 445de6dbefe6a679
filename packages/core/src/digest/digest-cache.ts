import { readFile } from 'node:fs/promises';
import type { CacheShard, PhotoCache } from '../cache/cache.js';
import { perceptualHash } from '../compare/perceptual-hash.js';
import { PhotolalaError } from '../source/errors.js';
import type { SourceAttributes } from '../source/root-source.js';
import type { DigestResult } from './digest-types.js';
import { applyLibraryAttributes, type MetadataDocument, metadataDocumentSchema } from './metadata.js';
import { datedInForm } from './taken-at.js';

/**
 * A digest's files in the shared cache: the key they live under, the results found there (a photo
 * cached from any root is not decoded again), and the writing of fresh ones.
 */
export class DigestCache {
  constructor(
    readonly cache: PhotoCache,
    readonly shard: CacheShard,
  ) {}

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

  /** The cached metadata document under `key`, when it exists, is valid and describes these bytes. */
  async cachedMetadata(key: string, photoMd5: string): Promise<MetadataDocument | undefined> {
    const parsed = metadataDocumentSchema.safeParse(await this.cache.readMetadataJson(this.shard, key));
    return parsed.success && parsed.data.photoMd5 === photoMd5 ? parsed.data : undefined;
  }

  /**
   * A cached document brought up to date, and rewritten in the cache when it was not: its `takenAt` in
   * the one form (a document made before it may hold `.000` or `Z`, see taken-at.ts; the photo is not
   * read again for that), and, made before perceptual hashes existed, its hash from the cached thumbnail
   * (the digest hashes the same thumbnail, so the two agree). Should the thumbnail not decode, the
   * document goes without; `duplicates --similar` says so.
   */
  async upToDate(key: string, cached: MetadataDocument): Promise<MetadataDocument> {
    let document = datedInForm(cached);
    if (document.perceptualHash === undefined) {
      try {
        const thumbnail = await readFile(this.cache.pathsFor(this.shard, key).thumbnail);
        document = { ...document, perceptualHash: await perceptualHash(thumbnail) };
      } catch {
        // Without a hash, as before.
      }
    }
    if (document !== cached) await this.cache.writeMetadata(this.shard, key, document).catch(() => {});
    return document;
  }

  /** The photo's cache files, when both are present and the document is valid for these bytes. */
  async fromCache(
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
      metadata: applyLibraryAttributes(await this.upToDate(key, cached), attributes),
      thumbnailPath: paths.thumbnail,
      metadataPath: paths.metadata,
      rendered: false,
    };
  }

  /** Writes a freshly made thumbnail and document (with its perceptual hash) to the cache. */
  async store(
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
