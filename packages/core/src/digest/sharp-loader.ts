import { createRequire } from 'node:module';
import type Sharp from 'sharp';

// Required, not imported: sharp's ES module build imports its CommonJS dependencies (semver, color,
// detect-libc), which Node must lex for their export names; its CommonJS build, the same code, cost
// a process about 100 ms less CPU to load (150-170 against 210-290 ms, measured). Core is sharp's
// only user here, so no second copy of its JavaScript is loaded beside it.
const requireHere = createRequire(import.meta.url);

let loading: Promise<typeof Sharp> | undefined;

/**
 * sharp (libvips), loaded when a picture is first rendered or hashed, not with the core: loading it
 * was about a third of the start of every command, and `list` or a gallery serving cached
 * thumbnails never renders one.
 */
export function loadSharp(): Promise<typeof Sharp> {
  loading ??= Promise.resolve().then(() => {
    const sharp = requireHere('sharp') as typeof Sharp;
    // sharp keeps a cache of decoded operations meant for servers re-rendering the same images; a
    // catalog sees each image once, so it only costs memory.
    sharp.cache(false);
    return sharp;
  });
  return loading;
}
