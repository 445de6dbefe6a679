import { createRequire } from 'node:module';

export interface DecodedHeifImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  data: Uint8ClampedArray;
}

/** An image stored in a HEIF file: a top-level image, or a thumbnail item of one. */
export interface HeifImageCandidate {
  /** Size as displayed: libheif applies the container's rotation and mirroring. */
  width: number;
  height: number;
  primary: boolean;
  thumbnail: boolean;
  decode(): Promise<DecodedHeifImage>;
}

/** The images of a HEIF file; `dispose` frees the WebAssembly memory behind them. */
export type HeifImageList = HeifImageCandidate[] & { dispose(): void };

/** An image handle as libheif-js's embind layer wraps it; `$$.ptr` is the C pointer. */
interface EmbindHandle {
  $$: { ptr: number; ptrType: unknown; count: { value: number } };
}

interface LibheifImage {
  handle: EmbindHandle;
  get_width(): number;
  get_height(): number;
  is_primary(): boolean;
  display(
    target: { data: Uint8ClampedArray; width: number; height: number },
    done: (result: unknown) => void,
  ): void;
  free(): void;
}

/** The parts of libheif-js (libheif compiled to WebAssembly, CommonJS, untyped) used here. */
interface Libheif {
  ready?: Promise<void>;
  HeifDecoder: new () => { decode(buffer: Uint8Array): LibheifImage[]; decoder: { delete(): void } | null };
  HeifImage: new (handle: EmbindHandle) => LibheifImage;
  HEAP32: Int32Array;
  HEAPU32: Uint32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _heif_image_handle_get_number_of_thumbnails(handle: number): number;
  _heif_image_handle_get_list_of_thumbnail_IDs(handle: number, ids: number, count: number): number;
  /** Returns a `struct heif_error` through `errorOut` (the WebAssembly ABI for returned structs). */
  _heif_image_handle_get_thumbnail(errorOut: number, handle: number, id: number, thumbnailOut: number): void;
}

// Loaded on first use: the WebAssembly module costs ~20 MB and most folders hold no HEIC.
let loaded: Libheif | undefined;

async function libheif(): Promise<Libheif> {
  loaded ??= createRequire(import.meta.url)('libheif-js/wasm-bundle') as Libheif;
  await loaded.ready;
  return loaded;
}

function decodeImage(image: LibheifImage): Promise<DecodedHeifImage> {
  const width = image.get_width();
  const height = image.get_height();
  return new Promise((resolve, reject) => {
    image.display({ data: new Uint8ClampedArray(width * height * 4), width, height }, (result) => {
      if (!result) reject(new Error('libheif could not decode the image'));
      else resolve({ width, height, data: (result as { data: Uint8ClampedArray }).data });
    });
  });
}

/**
 * The thumbnail items of a top-level image (iPhones store one of 320x240). libheif-js binds no call
 * for them, so they are read through the C API it exports and wrapped like top-level handles.
 */
function thumbnailsOf(lib: Libheif, image: LibheifImage): LibheifImage[] {
  const handle = image.handle.$$.ptr;
  const count = lib._heif_image_handle_get_number_of_thumbnails(handle);
  if (count <= 0) return [];
  const ids = lib._malloc(4 * count);
  const error = lib._malloc(16);
  const out = lib._malloc(4);
  const thumbnails: LibheifImage[] = [];
  try {
    const listed = lib._heif_image_handle_get_list_of_thumbnail_IDs(handle, ids, count);
    for (let i = 0; i < listed; i++) {
      const id = lib.HEAPU32[(ids >> 2) + i]!;
      lib._heif_image_handle_get_thumbnail(error, handle, id, out);
      if (lib.HEAP32[error >> 2] !== 0) continue;
      const wrapped = Object.create(Object.getPrototypeOf(image.handle)) as EmbindHandle;
      wrapped.$$ = { ...image.handle.$$, ptr: lib.HEAPU32[out >> 2]!, count: { value: 1 } };
      thumbnails.push(new lib.HeifImage(wrapped));
    }
  } finally {
    lib._free(ids);
    lib._free(error);
    lib._free(out);
  }
  return thumbnails;
}

/** Every image of a HEIF file (top-level images and their thumbnails), without decoding any. */
export async function heifImages(buffer: Uint8Array): Promise<HeifImageList> {
  const lib = await libheif();
  const decoder = new lib.HeifDecoder();
  const images: LibheifImage[] = [];
  const dispose = () => {
    for (const image of images) image.free();
    decoder.decoder?.delete();
  };
  const candidates: HeifImageCandidate[] = [];
  try {
    for (const image of decoder.decode(buffer)) {
      images.push(image);
      const primary = image.is_primary();
      candidates.push({
        width: image.get_width(),
        height: image.get_height(),
        primary,
        thumbnail: false,
        decode: () => decodeImage(image),
      });
      for (const thumbnail of thumbnailsOf(lib, image)) {
        images.push(thumbnail);
        candidates.push({
          width: thumbnail.get_width(),
          height: thumbnail.get_height(),
          primary: false,
          thumbnail: true,
          decode: () => decodeImage(thumbnail),
        });
      }
    }
  } catch (error) {
    dispose();
    throw error;
  }
  if (candidates.length === 0) {
    dispose();
    throw new Error('no image found in the HEIF container');
  }
  return Object.assign(candidates, { dispose });
}
