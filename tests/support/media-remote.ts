import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { writeTree } from './fs.js';
import { rawWithPreview } from './images.js';
import { fixture, liveMovie, livePhoto, xmpKeywords, xmpPacket } from './media.js';

/** The Live Photo identifier of `mediaOnShare`'s pair, as an iPhone writes one. */
const IDENTIFIER = '5B2D7C1E-3F4A-4B6C-9D8E-0F1A2B3C4D5E';

const sidecar = (rating: number, ...keywords: string[]) =>
  Buffer.from(xmpPacket(`xmp:Rating="${rating}"`, xmpKeywords(...keywords)));

/**
 * Issue 25's media on a root served from `share` (a folder a server serves, written here directly): a
 * RAW+JPEG pair with an Adobe sidecar both share, a Live Photo paired by Apple's identifier (the movie
 * named `_3`), and a photo with a darktable sidecar. Through the built CLI: `list` shows one item per
 * group with the sidecars' ratings, and a sidecar edited on the share is found by the next scan.
 */
export async function checkMediaOnShare(
  root: string,
  env: Record<string, string>,
  share: string,
  cacheDir: string,
): Promise<void> {
  await writeTree(share, {
    'raw/DSC_0002.JPG': await fixture('landscape_2.jpg'),
    'raw/DSC_0002.CR2': rawWithPreview(await fixture('landscape_2.jpg'), 1),
    'raw/DSC_0002.xmp': sidecar(4, 'pair'),
    'live/IMG_1234.HEIC': await livePhoto(await fixture('iphone_13_pro_max.HEIC'), 'heic', IDENTIFIER),
    'live/IMG_1234_3.MOV': await liveMovie('red', IDENTIFIER),
    'single.jpg': await fixture('landscape_3.jpg'),
    'single.jpg.xmp': sidecar(2, 'darktable'),
  });
  const cli = (...args: string[]) => runCli(['--cache-dir', cacheDir, ...args], env);
  const items = async () => {
    const list = await cli('list', root, '--json');
    expect(list.stderr).toBe('');
    return list.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((o) => [o.path, o.role ?? null, o.members ?? [], o.rating ?? null, o.keywords ?? null]);
  };

  const first = await cli('scan', root, '--json');
  expect(first.stderr).toBe('');
  // Sidecars are no entries: five files of media, three items.
  expect(JSON.parse(first.stdout)).toMatchObject({ entries: 5, added: 5, failed: [] });
  const raw = { path: 'raw/DSC_0002.CR2', role: 'raw' };
  expect(await items()).toEqual([
    ['live/IMG_1234.HEIC', 'primary', [{ path: 'live/IMG_1234_3.MOV', role: 'motion' }], null, null],
    ['raw/DSC_0002.JPG', 'primary', [raw], 4, ['pair']],
    ['single.jpg', null, [], 2, ['darktable']],
  ]);

  // Edited on the share (another size, so a store without ETags sees it too): both photos of the pair
  // change, read from the sidecar alone.
  await writeFile(path.join(share, 'raw/DSC_0002.xmp'), sidecar(5, 'pair', 'edited'));
  const second = await cli('scan', root, '--json');
  expect(second.stderr).toBe('');
  expect(JSON.parse(second.stdout)).toMatchObject({
    entries: 5,
    changed: 2,
    digested: 0,
    failed: [],
    paths: { changed: ['raw/DSC_0002.CR2', 'raw/DSC_0002.JPG'] },
  });
  expect((await items())[1]).toEqual(['raw/DSC_0002.JPG', 'primary', [raw], 5, ['pair', 'edited']]);
}
