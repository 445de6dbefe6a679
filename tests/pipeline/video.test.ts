import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createLocalSource } from '@photolala/backend-local';
import { createS3Source } from '@photolala/backend-s3';
import {
  type Catalog,
  FFMPEG_MISSING,
  metadataDocumentSchema,
  openCatalog,
  type RootSource,
} from '@photolala/core';
import { detectMediaKind, md5Hex } from '@photolala/core/internals';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type S3TestServer, startS3Server } from '../../packages/backend-s3/test/s3-server.js';
import { cleanupAfterEach } from '../support/catalog.js';
import { FIXTURES, tempDir, writeTree } from '../support/fs.js';

const { cleanup, opened } = cleanupAfterEach();

for (const tool of ['ffmpeg', 'ffprobe']) {
  try {
    execFileSync(tool, ['-version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is needed by the video tests: apt-get install -y ffmpeg`);
  }
}

/** Runs ffmpeg with `args` and returns the file it wrote. */
async function ffmpeg(name: string, args: string[]): Promise<Buffer> {
  const dir = await tempDir('video-make');
  cleanup.push(dir);
  const out = path.join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out]);
  return readFile(out);
}

/** What ffprobe says of a file's first video stream and its duration. */
async function ffprobe(bytes: Buffer): Promise<{ width: number; height: number; duration: number }> {
  const dir = await tempDir('video-probe');
  cleanup.push(dir);
  await writeTree(dir, { clip: bytes });
  const json = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path.join(dir, 'clip')],
      {
        encoding: 'utf8',
      },
    ),
  ) as { streams: { codec_type: string; width: number; height: number }[]; format: { duration: string } };
  const video = json.streams.find((s) => s.codec_type === 'video')!;
  return { width: video.width, height: video.height, duration: Number(json.format.duration) };
}

const photo = path.join(FIXTURES, 'landscape_1.jpg');
const h264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];

/** A 1 s H.264 MP4 of a fixture photo. */
const photoMp4 = () =>
  ffmpeg('photo.mp4', ['-loop', '1', '-t', '1', '-r', '10', '-i', photo, '-vf', 'scale=320:240', ...h264]);

/** A MOV with QuickTime GPS (`©xyz`) and creation dates, one of them Apple's with a time zone. */
const taggedMov = () =>
  ffmpeg('tagged.mov', [
    ...['-f', 'lavfi', '-i', 'testsrc=s=320x240:d=1:r=10', ...h264],
    ...['-metadata', 'location=+48.8577+002.2950/', '-metadata', 'creation_time=2024-05-01T10:00:00Z'],
    ...['-metadata', 'com.apple.quicktime.creationdate=2024-05-01T12:00:00+0200'],
    ...['-metadata', 'com.apple.quicktime.make=Apple', '-metadata', 'com.apple.quicktime.model=iPhone 15'],
    ...['-movflags', 'use_metadata_tags'],
  ]);

/** 1 s of black, then 2 s of the fixture photo. */
const blackOpening = () =>
  ffmpeg('black.mp4', [
    ...[
      '-f',
      'lavfi',
      '-i',
      'color=black:s=320x240:d=1:r=10',
      '-loop',
      '1',
      '-t',
      '2',
      '-r',
      '10',
      '-i',
      photo,
    ],
    ...[
      '-filter_complex',
      '[1:v]scale=320:240,setsar=1[p];[0:v][p]concat=n=2:v=1[v]',
      '-map',
      '[v]',
      ...h264,
    ],
  ]);

/** An MP4 whose display matrix turns it a quarter: stored 320x240, shown 240x320. */
async function rotatedMp4(): Promise<Buffer> {
  const dir = await tempDir('video-rotate');
  cleanup.push(dir);
  await writeTree(dir, { 'in.mp4': await photoMp4() });
  return ffmpeg('rotated.mp4', [
    '-i',
    path.join(dir, 'in.mp4'),
    '-c',
    'copy',
    '-metadata:s:v:0',
    'rotate=90',
  ]);
}

/** The standard deviation of the poster's pixels, over its colour channels (0 for a uniform image). */
async function deviation(jpeg: Buffer): Promise<number> {
  const stats = await sharp(jpeg).stats();
  return Math.max(...stats.channels.map((c) => c.stdev));
}

describe('recognition from header bytes', () => {
  test('MP4, MOV, M4V, 3GP, AVI, MKV and WebM are videos; a text file named .mp4 is not', async () => {
    const source = ['-f', 'lavfi', '-i', 'testsrc=s=176x144:d=0.5:r=10'];
    const made = {
      mp4: await ffmpeg('a.mp4', [...source, ...h264]),
      mov: await ffmpeg('a.mov', [...source, ...h264]),
      m4v: await ffmpeg('a.m4v', [...source, ...h264]),
      '3gp': await ffmpeg('a.3gp', [...source, '-c:v', 'h263']),
      avi: await ffmpeg('a.avi', source),
      mkv: await ffmpeg('a.mkv', source),
      webm: await ffmpeg('a.webm', [...source, '-c:v', 'libvpx']),
    };
    for (const [name, bytes] of Object.entries(made)) {
      expect({ name, kind: (await detectMediaKind(bytes.subarray(0, 4096)))?.kind }).toEqual({
        name,
        kind: 'video',
      });
    }
    expect(await detectMediaKind(Buffer.from('not a video at all, just text'))).toBeUndefined();
  });
});

let server: S3TestServer;
const BUCKET = 'videos';
const clients: { destroy(): void }[] = [];
beforeAll(async () => {
  server = await startS3Server([BUCKET]);
}, 30_000);
afterAll(async () => {
  for (const client of clients) client.destroy();
  await server?.stop();
});

const backends: { name: string; make(files: Record<string, Uint8Array>): Promise<RootSource> }[] = [
  {
    name: 'local',
    async make(files) {
      const root = await tempDir('video-root');
      cleanup.push(root);
      await writeTree(root, files);
      return createLocalSource({ root });
    },
  },
  {
    name: 's3',
    async make(files) {
      const prefix = `root-${Math.random().toString(36).slice(2)}`;
      const client = server.client();
      clients.push(client);
      for (const [file, bytes] of Object.entries(files))
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${file}`, Body: bytes }));
      return createS3Source({ bucket: BUCKET, prefix, client });
    },
  },
];

async function scanned(source: RootSource): Promise<Catalog> {
  const cacheDir = await tempDir('video-cache');
  cleanup.push(cacheDir);
  const catalog = await openCatalog(source, { cacheDir });
  opened.push(catalog);
  return catalog;
}

async function documentOf(catalog: Catalog, file: string) {
  return metadataDocumentSchema.parse(JSON.parse(await readFile(await catalog.metadata(file), 'utf8')));
}

describe.each(backends)('videos in a catalog over $name', ({ make }) => {
  test('an H.264 MP4 gets a full MD5, a poster of its picture, and the duration and size ffprobe reports', async () => {
    const mp4 = await photoMp4();
    const catalog = await scanned(await make({ 'clips/photo.mp4': mp4, 'notes.txt': Buffer.from('text') }));
    const result = await catalog.scan();
    expect(result.failed).toEqual([]);
    const probe = await ffprobe(mp4);
    expect(catalog.get('clips/photo.mp4')).toMatchObject({
      kind: 'video',
      status: 'ok',
      reason: null,
      photoMd5: md5Hex(mp4),
      width: probe.width,
      height: probe.height,
    });
    const document = await documentOf(catalog, 'clips/photo.mp4');
    expect(document).toMatchObject({ kind: 'video', mime: 'video/mp4', extension: 'mp4', size: mp4.length });
    expect(document.durationSeconds).toBeCloseTo(probe.duration, 3);
    expect(document.videoCodec).toBe('h264');
    const poster = await readFile(await catalog.thumbnail('clips/photo.mp4'));
    expect(await sharp(poster).metadata()).toMatchObject({ format: 'jpeg', width: 256, height: 256 });
    // The poster shows the photo: close to the photo's own 256x256 cover crop of the same 320x240 frame.
    const expected = await sharp(await sharp(photo).resize(320, 240, { fit: 'fill' }).toBuffer())
      .resize(256, 256, { fit: 'cover' })
      .jpeg()
      .toBuffer();
    const { meanPixelDifference } = await import('../support/images.js');
    expect(await meanPixelDifference(poster, expected)).toBeLessThan(12);
  });

  test('a MOV carries its QuickTime GPS, creation date with zone, make and model', async () => {
    const mov = await taggedMov();
    const catalog = await scanned(await make({ 'trip.mov': mov }));
    expect((await catalog.scan()).failed).toEqual([]);
    expect(catalog.get('trip.mov')).toMatchObject({ kind: 'video', takenAt: '2024-05-01T12:00:00+02:00' });
    const document = await documentOf(catalog, 'trip.mov');
    expect(document).toMatchObject({
      mime: 'video/quicktime',
      takenAt: '2024-05-01T12:00:00+02:00',
      takenAtSource: 'QuickTime',
      make: 'Apple',
      model: 'iPhone 15',
      gps: { latitude: 48.8577, longitude: 2.295, altitude: null },
    });
  });

  test('a video that opens on black gets a poster from later on, not a black one', async () => {
    const video = await blackOpening();
    const catalog = await scanned(await make({ 'black.mp4': video }));
    expect((await catalog.scan()).failed).toEqual([]);
    // ffmpeg's own first frame is black, so frame 0 would have made a uniform poster.
    const first = await ffmpeg('first.png', ['-i', await pathOf(video), '-frames:v', '1']);
    expect(await deviation(first)).toBeLessThan(2);
    const poster = await readFile(await catalog.thumbnail('black.mp4'));
    expect(await deviation(poster)).toBeGreaterThan(20);
    expect((await sharp(poster).stats()).channels[0]!.mean).toBeGreaterThan(30);
  });

  test('a rotated video has its displayed size, and a corrupt one is a one-line CORRUPT failure', async () => {
    const rotated = await rotatedMp4();
    const good = await photoMp4();
    // A real MP4 head (so it is recognised as one) over bytes that are no movie.
    const corrupt = Buffer.concat([good.subarray(0, 4096), Buffer.alloc(good.length, 0x5a)]);
    const catalog = await scanned(await make({ 'turned.mp4': rotated, 'broken.mp4': corrupt }));
    const result = await catalog.scan();
    expect(catalog.get('turned.mp4')).toMatchObject({ kind: 'video', status: 'ok', width: 240, height: 320 });
    expect((await documentOf(catalog, 'turned.mp4')).rotation).toBe(270);
    expect(result.failed.map((f) => f.path)).toEqual(['broken.mp4']);
    const reason = result.failed[0]!.reason;
    expect(reason).toMatch(/^CORRUPT: /);
    expect(reason).not.toContain('\n');
    expect(catalog.get('broken.mp4')).toMatchObject({ kind: 'video', status: 'failed' });
  });
});

/** The bytes in a temp file, for ffmpeg to read. */
async function pathOf(bytes: Buffer): Promise<string> {
  const dir = await tempDir('video-file');
  cleanup.push(dir);
  await writeTree(dir, { clip: bytes });
  return path.join(dir, 'clip');
}

describe('without ffmpeg', () => {
  test('a video is still cataloged with its MD5, and says that posters need ffmpeg', async () => {
    const mp4 = await photoMp4();
    const root = await tempDir('video-root');
    cleanup.push(root);
    await writeTree(root, { 'a.mp4': mp4 });
    const saved = process.env.PATH;
    // No folder on PATH holds ffmpeg (node itself is not looked up through PATH by the catalog).
    process.env.PATH = root;
    let catalog: Catalog;
    try {
      catalog = await scanned(await createLocalSource({ root }));
      const result = await catalog.scan();
      expect(result.failed).toEqual([]);
      expect(result.warnings).toEqual([
        '1 video cataloged without poster or metadata: ffmpeg was not found (apt-get install ffmpeg)',
      ]);
      await expect(catalog.thumbnail('a.mp4')).rejects.toThrow(
        /a\.mp4 has no poster: .*apt-get install ffmpeg/,
      );
    } finally {
      process.env.PATH = saved;
    }
    expect(catalog.get('a.mp4')).toMatchObject({
      kind: 'video',
      status: 'ok',
      photoMd5: md5Hex(mp4),
      reason: FFMPEG_MISSING,
    });
    expect(FFMPEG_MISSING).toContain('apt-get install ffmpeg');
  });
});
