/** Image formats the catalog digests. */
export const IMAGE_KINDS = [
  'jpeg',
  'png',
  'heic',
  'avif',
  'tiff',
  'webp',
  'gif',
  'dng',
  'cr2',
  'cr3',
  'nef',
  'arw',
  'raf',
  'orf',
  'rw2',
] as const;

/** One of `IMAGE_KINDS`: an image format the digest decodes. */
export type ImageKind = (typeof IMAGE_KINDS)[number];
/** What the catalog records for a file: an image kind, `video`, or `other` for everything else. */
export type EntryKind = ImageKind | 'video' | 'other';

/** An image found by its header bytes: its kind, and the MIME type it is served as. */
export interface DetectedImage {
  kind: ImageKind;
  mime: string;
}

/** A movie container (MP4, MOV, M4V, 3GP, AVI, MKV, WebM): one kind, the container is in `mime`. */
export interface DetectedVideo {
  kind: 'video';
  mime: string;
}

/** What the catalog digests: an image or a video. */
export type DetectedMedia = DetectedImage | DetectedVideo;

const RAW_KINDS: ReadonlySet<ImageKind> = new Set(['dng', 'cr2', 'cr3', 'nef', 'arw', 'raf', 'orf', 'rw2']);

/**
 * Whether `kind` is a camera RAW format (DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2): thumbnails come from its embedded JPEG.
 */
export function isRawKind(kind: ImageKind): boolean {
  return RAW_KINDS.has(kind);
}

/** Whether `value` is one of `IMAGE_KINDS`. */
export function isImageKind(value: unknown): value is ImageKind {
  return typeof value === 'string' && (IMAGE_KINDS as readonly string[]).includes(value);
}

// file-type's extension → our kind. HEIF containers (heic, heif, and avif when not AVIF-branded)
// all decode through the HEIF path.
const FILE_TYPE_TO_KIND: Record<string, ImageKind> = {
  jpg: 'jpeg',
  png: 'png',
  apng: 'png',
  heic: 'heic',
  heif: 'heic',
  avif: 'avif',
  tif: 'tiff',
  webp: 'webp',
  gif: 'gif',
  dng: 'dng',
  cr2: 'cr2',
  cr3: 'cr3',
  nef: 'nef',
  arw: 'arw',
  raf: 'raf',
  orf: 'orf',
  rw2: 'rw2',
};

// file-type's extensions of video containers: ISO BMFF `ftyp` brands (mp4, mov, m4v, 3gp, 3g2),
// RIFF `AVI `, and EBML's DocType (mkv, webm). A QuickTime file without `ftyp` is found by its first atom.
const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  'mp4',
  'mov',
  'm4v',
  '3gp',
  '3g2',
  'avi',
  'mkv',
  'webm',
]);

const RAW_MIME: Partial<Record<ImageKind, string>> = {
  dng: 'image/x-adobe-dng',
  cr2: 'image/x-canon-cr2',
  cr3: 'image/x-canon-cr3',
  nef: 'image/x-nikon-nef',
  arw: 'image/x-sony-arw',
  raf: 'image/x-fujifilm-raf',
  orf: 'image/x-olympus-orf',
  rw2: 'image/x-panasonic-rw2',
};

const JPEG: DetectedImage = Object.freeze({ kind: 'jpeg', mime: 'image/jpeg' });

/**
 * The JPEG answer of `detectImageKind`, synchronously: JPEG's start-of-image marker is unambiguous
 * and by far the most common case in a photo folder, and a scan of 100k files saves file-type's
 * general sniffing and a promise per file. `undefined` means "ask detectImageKind".
 */
export function detectJpeg(head: Uint8Array): DetectedImage | undefined {
  return head.length >= 12 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff ? JPEG : undefined;
}

/**
 * Decides from the header bytes alone (the same bytes the fast-photo-key hashes) whether a file is
 * an image, and of which kind. The file name is not consulted: a `.jpg` holding text is not an image.
 */
export async function detectImageKind(head: Uint8Array): Promise<DetectedImage | undefined> {
  const media = await detectMediaKind(head);
  return media?.kind === 'video' ? undefined : media;
}

/**
 * `detectImageKind`, and video containers too: the kind the catalog gives a file from its header
 * bytes, never from its name. Audio-only ISO files (`.m4a`) have their own brand and stay `other`.
 */
export async function detectMediaKind(head: Uint8Array): Promise<DetectedMedia | undefined> {
  if (head.length < 12) return undefined;
  const jpeg = detectJpeg(head);
  if (jpeg) return jpeg;
  // Imported on first use, as sharp is (see sharp-loader.ts): most commands never sniff a file.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(head).catch(() => undefined);
  if (!detected) return undefined;
  if (VIDEO_EXTENSIONS.has(detected.ext)) return { kind: 'video', mime: detected.mime };
  const kind = FILE_TYPE_TO_KIND[detected.ext];
  if (!kind) return undefined;
  return { kind, mime: RAW_MIME[kind] ?? detected.mime };
}

/**
 * File-name extensions (lower case, no dot) that say "image", with the format each promises: the
 * formats `detectImageKind` recognises. A file so named whose bytes are none of them is not quietly
 * `other`: a zero-byte `IMG_1234.JPG` is the classic trace of a failed copy, and the user must hear
 * of it (see `notAnImageReason`).
 */
export const namedAsImage: Readonly<Record<string, string>> = Object.freeze({
  jpg: 'JPEG',
  jpeg: 'JPEG',
  jpe: 'JPEG',
  jfif: 'JPEG',
  png: 'PNG',
  heic: 'HEIC',
  heif: 'HEIF',
  avif: 'AVIF',
  tif: 'TIFF',
  tiff: 'TIFF',
  webp: 'WebP',
  gif: 'GIF',
  dng: 'DNG',
  cr2: 'Canon CR2',
  cr3: 'Canon CR3',
  nef: 'Nikon NEF',
  arw: 'Sony ARW',
  raf: 'Fujifilm RAF',
  orf: 'Olympus ORF',
  rw2: 'Panasonic RW2',
});

/** The extension (lower case, no dot) of the last segment of `path` when it says image, else undefined. */
export function imageExtensionOf(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const extension = name.slice(dot + 1).toLowerCase();
  return Object.hasOwn(namedAsImage, extension) ? extension : undefined;
}

/**
 * Why a file whose name says image is not one, given that its header bytes matched no image or video
 * format; undefined when its name does not say image (then it is simply `other`). The reason is one
 * line, for the scan's failures.
 */
export function notAnImageReason(path: string, size: number, head: Uint8Array): string | undefined {
  const extension = imageExtensionOf(path);
  if (extension === undefined) return undefined;
  if (size === 0) return `empty file (0 bytes), named as an image (.${extension})`;
  const format = namedAsImage[extension]!;
  if (head.length < 12)
    return `not an image: ${size} byte${size === 1 ? '' : 's'}, too short for a ${format} header, though its name says .${extension}`;
  return `not an image: its bytes are not ${format} nor any other image format, though its name says .${extension}`;
}
