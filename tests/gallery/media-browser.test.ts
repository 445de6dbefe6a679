// Videos and groups (issue #25) in the gallery, in Chromium: a video plays in the lightbox, streamed
// with HTTP ranges; a Live Photo, a RAW+JPEG pair and an edited copy are one tile each, with a badge,
// and the lightbox lists the files attached (the Live Photo's motion clip playable).
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, tempDir, writeTree } from '../support/fs.js';
import { rawWithPreview } from '../support/images.js';
import { openTile, useGalleryBrowser } from './browser.js';

const { cleanup, opened } = cleanupAfterEach();
const chromium = useGalleryBrowser();
beforeAll(() => {
  for (const tool of ['ffmpeg', 'ffprobe']) {
    try {
      execFileSync(tool, ['-version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is needed by the gallery's video tests: apt-get install -y ffmpeg`);
    }
  }
});

const fixture = (name: string) => readFile(path.join(FIXTURES, name));

/** An H.264 movie made by the system ffmpeg from a test pattern: `seconds` long, 320x240. */
async function movie(name: string, seconds: number): Promise<Buffer> {
  const dir = await tempDir('gallery-movie');
  cleanup.push(dir);
  const out = path.join(dir, name);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=s=320x240:d=${seconds}:r=25`,
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    out,
  ]);
  return readFile(out);
}

/** What ffprobe says of a movie: its duration and its first video stream's size. */
function ffprobe(file: string): { duration: number; width: number; height: number } {
  const json = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], {
      encoding: 'utf8',
    }),
  ) as { streams: { codec_type: string; width: number; height: number }[]; format: { duration: string } };
  const video = json.streams.find((s) => s.codec_type === 'video')!;
  return { duration: Number(json.format.duration), width: video.width, height: video.height };
}

/** Scans a root of these files and serves it; the rows of its timeline by name. */
async function serveTree(files: Record<string, Buffer>) {
  const root = await tempDir('gallery-media');
  const cacheDir = await tempDir('gallery-media-cache');
  cleanup.push(root, cacheDir);
  await writeTree(root, files);
  const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
  opened.push(catalog);
  await catalog.scan();
  const gallery = await chromium.startGallery({ catalogs: [catalog] });
  const base = `http://127.0.0.1:${gallery.port}`;
  const { rows } = (await (await fetch(`${base}/api/photos`)).json()) as {
    rows: [number, number, string, string, number, string?][];
  };
  return { root, base, url: gallery.url, rows };
}

/** Waits for a <video> to have its metadata (readyState HAVE_METADATA or more), and reads it. */
async function loadedVideo(page: Page, selector: string) {
  await page.waitForFunction((s) => {
    const video = document.querySelector<HTMLVideoElement>(s);
    if (video?.error) throw new Error(`the video failed: ${video.error.code} ${video.error.message}`);
    return (video?.readyState ?? 0) >= 1;
  }, selector);
  return page.$eval(selector, (v: HTMLVideoElement) => ({
    duration: v.duration,
    width: v.videoWidth,
    height: v.videoHeight,
    poster: v.poster,
    hidden: v.hidden,
  }));
}

describe('videos and groups in the gallery', () => {
  it('plays a video in the lightbox, streamed with Range requests, its thumbnail as poster', async () => {
    const clip = await movie('clip.mp4', 2);
    const { root, base, url, rows } = await serveTree({
      'a.jpg': await fixture('landscape_1.jpg'),
      'clip.mp4': clip,
    });
    const row = rows.find((r) => r[3] === 'clip.mp4')!;
    expect(row[5]).toBe('VIDEO');
    const videoUrl = `${base}/api/roots/${row[0]}/videos/${row[1]}`;

    // A range is answered with exactly its bytes; a suffix range with the end of the file.
    const ranged = await fetch(videoUrl, { headers: { Range: 'bytes=1000-1999' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 1000-1999/${clip.length}`);
    expect(ranged.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(clip.subarray(1000, 2000));
    const tail = await fetch(videoUrl, { headers: { Range: 'bytes=-100' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(clip.subarray(clip.length - 100));
    const whole = await fetch(videoUrl);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(clip);
    expect((await fetch(videoUrl, { headers: { Range: `bytes=${clip.length}-` } })).status).toBe(416);
    // Only a video entry is served as one.
    const photo = rows.find((r) => r[3] === 'a.jpg')!;
    expect((await fetch(`${base}/api/roots/0/videos/${photo[1]}`)).status).toBe(404);
    expect((await fetch(`${base}/api/roots/0/videos/99999`)).status).toBe(404);

    const page = await chromium.newPage();
    const videoAnswers: { range: string | undefined; status: number }[] = [];
    const previewsAsked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/previews/')) previewsAsked.push(new URL(request.url()).pathname);
    });
    page.on('response', async (response) => {
      if (response.url().includes('/videos/'))
        videoAnswers.push({
          range: (await response.request().headerValue('range')) ?? undefined,
          status: response.status(),
        });
    });
    await page.goto(url);
    await page.waitForSelector('.tile[title="clip.mp4"] img');
    expect(await page.textContent('.tile[title="clip.mp4"] .badge')).toBe('VIDEO');
    await openTile(page, 'clip.mp4');
    const probed = ffprobe(path.join(root, 'clip.mp4'));
    const video = await loadedVideo(page, '#video');
    expect(video.hidden).toBe(false);
    expect(await page.isHidden('#preview')).toBe(true);
    expect(Math.abs(video.duration - probed.duration)).toBeLessThan(0.05);
    expect([video.width, video.height]).toEqual([probed.width, probed.height]);
    expect(video.poster).toBe(`${base}/api/roots/0/thumbnails/${row[2]}`);
    // Chromium asks for the video by ranges, and gets partial answers.
    expect(videoAnswers.some((a) => a.range?.startsWith('bytes=') && a.status === 206)).toBe(true);
    // A video has no preview: none was asked for (it answered 404 before the <video> took over).
    expect(previewsAsked).toEqual([]);
    // A photo after it shows as a picture again.
    await page.keyboard.press('Escape');
    await openTile(page, 'a.jpg');
    expect(await page.isHidden('#video')).toBe(true);
    expect(await page.$eval('#video', (v: HTMLVideoElement) => v.getAttribute('src'))).toBeNull();
  });

  it('shows one tile per group with its badge, and lists the files attached in the lightbox', async () => {
    const heic = await fixture('iphone_13_pro_max.HEIC');
    const { url, rows } = await serveTree({
      'live/IMG_0001.HEIC': heic,
      'live/IMG_0001.MOV': await movie('live.mov', 1),
      'raw/DSC_0002.JPG': await fixture('landscape_2.jpg'),
      'raw/DSC_0002.CR2': rawWithPreview(await fixture('landscape_2.jpg'), 1),
      'edit/IMG_1234.HEIC': Buffer.concat([heic, Buffer.alloc(8)]),
      'edit/IMG_E1234.JPG': await fixture('landscape_4.jpg'),
      'single.jpg': await fixture('landscape_5.jpg'),
    });
    // Members have no tile of their own.
    expect(Object.fromEntries(rows.map((r) => [r[3], r[5] ?? '']))).toEqual({
      'IMG_0001.HEIC': 'LIVE',
      'DSC_0002.JPG': 'RAW+JPEG',
      'IMG_1234.HEIC': 'EDITED',
      'single.jpg': '',
    });

    const page = await chromium.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('.tile img').length === 4);
    const badges = await page.$$eval('.tile', (tiles: HTMLElement[]) =>
      Object.fromEntries(tiles.map((t) => [t.title, t.querySelector('.badge')?.textContent ?? ''])),
    );
    expect(badges).toEqual({
      'IMG_0001.HEIC': 'LIVE',
      'DSC_0002.JPG': 'RAW+JPEG',
      'IMG_1234.HEIC': 'EDITED',
      'single.jpg': '',
    });

    await openTile(page, 'IMG_0001.HEIC');
    expect(await page.textContent('#members li[data-role="motion"] span')).toBe('motion: IMG_0001.MOV');
    const clip = await loadedVideo(page, '#members li[data-role="motion"] video');
    expect(Math.abs(clip.duration - 1)).toBeLessThan(0.05);
    // The photo itself shows, as the group's picture.
    await page.waitForFunction(
      () => (document.getElementById('preview') as HTMLImageElement).naturalWidth > 0,
    );
    expect(await page.$eval('#preview', (img: HTMLImageElement) => img.hidden)).toBe(false);
    await page.keyboard.press('Escape');

    await openTile(page, 'DSC_0002.JPG');
    expect(await page.$$eval('#members li', (items) => items.map((i) => i.textContent))).toEqual([
      'raw: DSC_0002.CR2',
    ]);
    await page.keyboard.press('Escape');
    await openTile(page, 'single.jpg');
    expect(await page.isHidden('#members')).toBe(true);
  });
});
