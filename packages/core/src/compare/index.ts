export type { PhotoColumns } from './catalog-reads.js';
export { type ComparedPhoto, type CompareResult, compareCatalogs, type PhotoCopy } from './compare.js';
export {
  type DuplicateGroup,
  type DuplicateOptions,
  type DuplicateReport,
  findDuplicates,
} from './duplicates.js';
export { groupByHamming, groupByHammingAllPairs, type PackedHashes, packHashes } from './hamming-groups.js';
export {
  hammingDistance,
  PERCEPTUAL_HASH,
  perceptualHash,
  perceptualHashOfPixels,
} from './perceptual-hash.js';
export {
  DEFAULT_SIMILARITY_THRESHOLD,
  findSimilar,
  type SimilarGroup,
  type SimilarMember,
  type SimilarOptions,
  type SimilarReport,
} from './similar.js';
export {
  type CorruptPhoto,
  type VerifyPhotosOptions,
  type VerifyPhotosReport,
  verifyPhotos,
} from './verify-photos.js';
