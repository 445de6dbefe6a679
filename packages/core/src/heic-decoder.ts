import { createRequire } from 'node:module';

export interface DecodedHeifImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  data: Uint8ClampedArray;
}

export interface LazyHeifImage {
  width: number;
  height: number;
  decode(): Promise<DecodedHeifImage>;
}

/** The top-level images of a HEIF file; `dispose` frees the WebAssembly memory behind them. */
export type LazyHeifImageList = LazyHeifImage[] & { dispose(): void };

interface HeicDecode {
  all(input: { buffer: Uint8Array }): Promise<LazyHeifImageList>;
}

// heic-decode is CommonJS without type declarations; it wraps libheif compiled to WebAssembly.
// Loaded on first use: the WASM module costs ~20 MB and most folders hold no HEIC.
let decoder: HeicDecode | undefined;

export function heifImages(buffer: Uint8Array): Promise<LazyHeifImageList> {
  decoder ??= createRequire(import.meta.url)('heic-decode') as HeicDecode;
  return decoder.all({ buffer });
}
