import { expect, test } from 'vitest';
import { isSidecarPath } from '../src/catalog/sidecars.js';

test('a sidecar is a path of more than four code units ending in .xmp, in any case', () => {
  for (const path of ['a.xmp', 'IMG_1.XMP', 'x/y/IMG_1.JPG.Xmp', 'b.xMp', 'dir/.xmp'])
    expect(isSidecarPath(path), path).toBe(true);
  // Near misses, and letters whose code differs from x, m or p by the case bit's neighbours.
  for (const path of [
    '.xmp',
    'a.xml',
    'a.xmpp',
    'a_xmp',
    'axmp',
    'a.jpg',
    'a.Xmq',
    'a.xm\u0150',
    'a.8mp',
    'a.\u0178mp',
  ])
    expect(isSidecarPath(path), path).toBe(false);
});
