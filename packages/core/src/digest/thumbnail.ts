import type sharpType from 'sharp';
import { describeError, PhotolalaError } from '../source/errors.js';
import { type HeifImageList, heifImages } from './heic-decoder.js';
import { type ImageKind, isRawKind } from './image-kind.js';
import { type JpegHeaderFacts, readJpegHeader } from './jpeg-header.js';
import { findEmbeddedJpegs } from './raw-preview.js';
import { loadSharp } from './sharp-loader.js';

/** A thumbnail's width and height in pixels: the photo scaled to cover the square, centre-cropped. */
export const THUMBNAIL_SIZE = 256;
/** The JPEG quality of thumbnails and previews. */
export const THUMBNAIL_QUALITY = 85;
/** The long side of a viewer's preview (`renderPreview`): a full-screen photo on most displays. */
export const PREVIEW_SIZE = 2048;

/** Options of `renderThumbnail`. */
export interface RenderOptions {
  /** Largest image, in pixels (width x height), that is decoded at all. */
  maxPixels: number;
  /** EXIF orientation from the metadata; used where the decoder cannot see it (RAW previews). */
  orientation?: number;
  /** A preview that fits in PREVIEW_SIZE, uncropped, instead of the 256x256 thumbnail. */
  preview?: boolean;
  /** The photo's path, carried by the errors (`PhotolalaError.path`): which file could not be rendered. */
  path?: string;
}

/** A rendered thumbnail (or preview) and the dimensions of the image it was made from. */
export interface RenderedThumbnail {
  jpeg: Buffer;
  /** Pixel size as stored in the file, before orientation. */
  storedWidth: number;
  storedHeight: number;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  /** Pixel size as displayed, after orientation. */
  width: number;
  height: number;
  /** Size of the image the thumbnail was made from, where that is an embedded smaller one (HEIF). */
  renderedFrom?: { width: number; height: number; thumbnailItem: boolean };
}

type Sharp = ReturnType<typeof sharpType>;
type SharpMetadata = Awaited<ReturnType<Sharp['metadata']>>;

// libvips joins every message of a failed decode into one text, repeated per attempt; the first line
// is the one that says what is wrong, and a failure reason is one line in the catalog and the CLI.
const fail = (what: string, cause?: unknown, path?: string) =>
  new PhotolalaError('CORRUPT', cause === undefined ? what : `${what}: ${describeError(cause)}`, {
    backend: 'thumbnail',
    cause,
    ...(path !== undefined ? { path } : {}),
  });

/** An image over `maxPixels`, refused before it is decoded. */
const overLimit = (width: number, height: number, options: RenderOptions) =>
  new PhotolalaError(
    'UNSUPPORTED',
    `image is ${width}x${height}, over the limit of ${options.maxPixels} pixels`,
    { backend: 'thumbnail', ...(options.path !== undefined ? { path: options.path } : {}) },
  );

function orientedSize(width: number, height: number, orientation: number) {
  return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}

/** Applies an EXIF orientation by hand, for pixels that carry no EXIF block of their own. */
function orient(image: Sharp, orientation: number): Sharp {
  switch (orientation) {
    case 2:
      return image.flop();
    case 3:
      return image.rotate(180);
    case 4:
      return image.flip();
    case 5:
      return image.rotate(90).flop();
    case 6:
      return image.rotate(90);
    case 7:
      return image.rotate(270).flop();
    case 8:
      return image.rotate(270);
    default:
      return image;
  }
}

const finish = (image: Sharp, options: RenderOptions) =>
  (options.preview
    ? image.resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true })
    : image.resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, {
        fit: 'cover',
        position: 'centre',
        fastShrinkOnLoad: true,
      })
  )
    .toColourspace('srgb')
    .jpeg({ quality: THUMBNAIL_QUALITY, chromaSubsampling: '4:2:0' })
    .toBuffer();

async function renderWithSharp(
  data: Uint8Array,
  options: RenderOptions,
  explicitOrientation?: number,
  header?: JpegHeaderFacts,
) {
  // One instance for header and pixels. sharp's own pixel limit would refuse the header read of an
  // oversized image without saying its size, so the limit is checked here before any decoding.
  const sharp = await loadSharp();
  const image = sharp(data, { limitInputPixels: false, failOn: 'error', pages: 1 });
  let meta: Pick<SharpMetadata, 'width' | 'height' | 'orientation'>;
  if (header) meta = header;
  else
    try {
      meta = await image.metadata();
    } catch (cause) {
      throw fail('cannot read image header', cause, options.path);
    }
  const storedWidth = meta.width ?? 0;
  const storedHeight = meta.height ?? 0;
  if (storedWidth <= 0 || storedHeight <= 0) throw fail('image has no dimensions', undefined, options.path);
  if (storedWidth * storedHeight > options.maxPixels) throw overLimit(storedWidth, storedHeight, options);
  const orientation = explicitOrientation ?? meta.orientation ?? 1;
  try {
    const jpeg = await finish(
      explicitOrientation === undefined ? image.rotate() : orient(image, orientation),
      options,
    );
    return {
      jpeg,
      storedWidth,
      storedHeight,
      orientation,
      ...orientedSize(storedWidth, storedHeight, orientation),
    };
  } catch (cause) {
    throw fail('cannot decode image', cause, options.path);
  }
}

/**
 * HEIC/HEIF through libheif (WebAssembly): sharp's prebuilt libvips has no HEVC decoder. libheif
 * already applies the container's rotation and mirroring, so the EXIF orientation is reported but not
 * applied again. Of all the stored images (top-level images and their thumbnail items), the smallest
 * whose short side still covers the thumbnail is decoded: decoding time grows with pixels. The
 * reported dimensions are the primary image's.
 */
async function renderHeic(data: Uint8Array, options: RenderOptions): Promise<RenderedThumbnail> {
  let images: HeifImageList;
  try {
    images = await heifImages(data);
  } catch (cause) {
    throw fail('cannot read HEIF container', cause, options.path);
  }
  try {
    const bySize = [...images].sort((a, b) => a.width * a.height - b.width * b.height);
    const largest = bySize[bySize.length - 1];
    const primary = images.find((i) => i.primary) ?? largest;
    const wanted = options.preview ? PREVIEW_SIZE : THUMBNAIL_SIZE;
    const chosen = bySize.find((i) => Math.min(i.width, i.height) >= wanted) ?? largest;
    if (!chosen || !primary) throw fail('HEIF file holds no image', undefined, options.path);
    if (primary.width * primary.height > options.maxPixels)
      throw overLimit(primary.width, primary.height, options);
    const decoded = await chosen.decode();
    const sharp = await loadSharp();
    const orientation = options.orientation ?? 1;
    const jpeg = await finish(
      sharp(Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength), {
        raw: { width: decoded.width, height: decoded.height, channels: 4 },
      }),
      options,
    );
    const stored = orientedSize(primary.width, primary.height, orientation);
    return {
      jpeg,
      storedWidth: stored.width,
      storedHeight: stored.height,
      orientation,
      width: primary.width,
      height: primary.height,
      ...(chosen === primary
        ? {}
        : {
            renderedFrom: { width: decoded.width, height: decoded.height, thumbnailItem: chosen.thumbnail },
          }),
    };
  } catch (cause) {
    if (cause instanceof PhotolalaError) throw cause;
    throw fail('cannot decode HEIF image', cause, options.path);
  } finally {
    images.dispose();
  }
}

/**
 * Renders the 256x256 catalog thumbnail: orientation applied once, centre-cropped to fill, sRGB,
 * metadata stripped, JPEG quality 85. JPEGs decode with shrink-on-load. Throws `CORRUPT` for
 * unreadable images and `UNSUPPORTED` for images over the pixel limit.
 */
export async function renderThumbnail(
  data: Uint8Array,
  kind: ImageKind,
  options: RenderOptions,
): Promise<RenderedThumbnail> {
  if (kind === 'heic') return renderHeic(data, options);
  if (isRawKind(kind)) {
    const previews = findEmbeddedJpegs(data, kind);
    for (const preview of previews) {
      try {
        // RAW orientation lives in the RAW's own IFD0, not in the preview.
        return await renderWithSharp(preview, options, options.orientation ?? 1);
      } catch {
        // Try the next, smaller preview.
      }
    }
    if (kind !== 'dng')
      throw fail(`no decodable embedded preview in ${kind.toUpperCase()} file`, undefined, options.path);
  }
  // Most photos: a JPEG's header read in JavaScript instead of by sharp. Its failure is the file's:
  // a second pipeline from the start would decode the same broken pixels again (twice the time on a
  // damaged file) and report its header read's failure instead of the decode's.
  const header = kind === 'jpeg' ? readJpegHeader(data) : undefined;
  return renderWithSharp(data, options, undefined, header);
}
