import type Sharp from 'sharp';

let loading: Promise<typeof Sharp> | undefined;

/**
 * sharp (libvips), loaded when a picture is first rendered or hashed, not with the core: loading it
 * was about a third of the start of every command, and `list` or a gallery serving cached
 * thumbnails never renders one.
 */
export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    // sharp keeps a cache of decoded operations meant for servers re-rendering the same images; a
    // catalog sees each image once, so it only costs memory.
    sharp.cache(false);
    return sharp;
  });
  return loading;
}
