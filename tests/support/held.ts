import type { RootSource } from '@photolala/core';
import type { Page } from 'playwright-core';

/** A promise that stays pending until `release()`: what a test holds a request or a read on. */
export function gate(): { opened: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { opened, release };
}

/**
 * `source`, whose `reads` of the files `held` names wait until `release()`: a scan caught before them
 * (holding `readHead` stops it in discovery, `readAll` in the digest).
 */
export function heldSource(
  source: RootSource,
  held: (path: string) => boolean,
  reads: readonly ('readAll' | 'readHead')[],
): { source: RootSource; release: () => void } {
  const { opened, release } = gate();
  const wrapped = Object.create(source) as RootSource;
  if (reads.includes('readAll'))
    wrapped.readAll = async (p, options) => {
      if (held(p)) await opened;
      return source.readAll(p, options);
    };
  if (reads.includes('readHead'))
    wrapped.readHead = async (p, bytes, options) => {
      if (held(p)) await opened;
      return source.readHead(p, bytes, options);
    };
  return { source: wrapped, release };
}

/**
 * The page's requests matching `pattern` wait until `release()`; `asked()` says whether one came.
 * What the page does while an answer is late (a loaded server's order) is then seen in the test.
 */
export async function heldRoute(
  page: Page,
  pattern: string,
): Promise<{ release: () => void; asked: () => boolean }> {
  const { opened, release } = gate();
  let asked = false;
  await page.route(pattern, async (route) => {
    asked = true;
    await opened;
    await route.continue();
  });
  return { release, asked: () => asked };
}
