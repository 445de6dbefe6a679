import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/**
 * `count` small, valid, unique JPEGs in a dated tree (30 day folders), with hidden files, AppleDouble
 * files and XMP sidecars mixed in the way real camera-card copies have them. Every JPEG gets a COM
 * segment with its index, so bytes and photo-md5s differ while decoding cost stays that of a real
 * small photo.
 */
export async function smallCorpus(dir: string, count: number): Promise<string> {
  const marker = path.join(dir, `.complete-${count}`);
  if (existsSync(marker)) return dir;
  const base = await sharp({
    create: {
      width: 320,
      height: 240,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
  for (let i = 0; i < count; i++) {
    const folder = path.join(
      dir,
      `2024-${String((Math.floor(i / 1000) % 12) + 1).padStart(2, '0')}-${String((i % 30) + 1).padStart(2, '0')}`,
    );
    if (i < 360 || !existsSync(folder)) mkdirSync(folder, { recursive: true });
    const comment = Buffer.from(`photolala bench photo ${i}`);
    const segment = Buffer.alloc(4 + comment.length);
    segment[0] = 0xff;
    segment[1] = 0xfe;
    segment.writeUInt16BE(comment.length + 2, 2);
    comment.copy(segment, 4);
    writeFileSync(
      path.join(folder, `IMG_${i}.JPG`),
      Buffer.concat([base.subarray(0, 2), segment, base.subarray(2)]),
    );
    if (i % 100 === 0) {
      writeFileSync(path.join(folder, `._IMG_${i}.JPG`), 'AppleDouble');
      writeFileSync(path.join(folder, `IMG_${i}.xmp`), '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
    }
    if (i % 1000 === 0) writeFileSync(path.join(folder, '.DS_Store'), 'finder');
  }
  writeFileSync(marker, '');
  return dir;
}

/**
 * `count` camera-sized (4000x3000, 12 MP) JPEGs with EXIF, each unique. One scene (mild noise,
 * blurred: about the entropy and file size of a real photo) is made once and each photo is that scene
 * brightened by its index, so making one costs a JPEG encode, not a fresh scene: 8 photos took 15 s
 * here when each had its own scene.
 */
export async function cameraCorpus(dir: string, count: number): Promise<string> {
  const marker = path.join(dir, `.complete-${count}`);
  if (existsSync(marker)) return dir;
  mkdirSync(dir, { recursive: true });
  const width = 4000;
  const height = 3000;
  const scene = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 110, sigma: 18 },
    },
  })
    .blur(1.2)
    .raw()
    .toBuffer();
  for (let i = 0; i < count; i++) {
    const photo = await sharp(scene, { raw: { width, height, channels: 3 } })
      .linear(1, i)
      .withExif({
        IFD0: { Make: 'Photolala', Model: 'Bench Camera', Orientation: String((i % 8) + 1) },
        IFD2: { DateTimeOriginal: `2024:05:${String((i % 28) + 1).padStart(2, '0')} 10:00:00`, ISO: '200' },
      })
      .jpeg({ quality: 90 })
      .toBuffer();
    writeFileSync(path.join(dir, `CAM_${i}.JPG`), photo);
  }
  writeFileSync(marker, '');
  return dir;
}

/**
 * The photos of `smallCorpus(from)` copied to `dir` with modification times spread evenly over
 * `years` years, newest first by index, so that a timeline grouped by month (the photos carry no
 * capture date) has years of months to jump between. The bytes are the same, so their photo-md5s and
 * the thumbnails already cached for them are too: cataloguing the copy renders nothing.
 */
export function datedCorpus(from: string, dir: string, count: number, years: number): string {
  const marker = path.join(dir, `.complete-${count}`);
  if (existsSync(marker)) return dir;
  // The end is fixed, so that every run of the bench dates the same photo alike.
  const end = Date.UTC(2025, 11, 31);
  const span = years * 365.25 * 86_400_000;
  for (const folder of readdirSync(from, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    mkdirSync(path.join(dir, folder.name), { recursive: true });
    for (const name of readdirSync(path.join(from, folder.name))) {
      const target = path.join(dir, folder.name, name);
      copyFileSync(path.join(from, folder.name, name), target);
      const index = Number(/^IMG_(\d+)\.JPG$/.exec(name)?.[1] ?? 0);
      const time = new Date(end - (span * index) / count);
      utimesSync(target, time, time);
    }
  }
  writeFileSync(marker, '');
  return dir;
}

/**
 * `count` H.264 clips of 6 s at 1280x720 and 30 fps, made by the system ffmpeg: a moving test pattern,
 * every other clip opening on 1 s of black, as phone videos often fade in (the poster must skip it).
 */
export function videoCorpus(dir: string, count: number): string {
  const marker = path.join(dir, `.complete-${count}`);
  if (existsSync(marker)) return dir;
  mkdirSync(dir, { recursive: true });
  const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];
  for (let i = 0; i < count; i++) {
    const pattern = `testsrc2=s=1280x720:r=30:d=${i % 2 === 0 ? 6 : 5}`;
    const input =
      i % 2 === 0
        ? ['-f', 'lavfi', '-i', pattern]
        : [
            ...['-f', 'lavfi', '-i', 'color=black:s=1280x720:r=30:d=1', '-f', 'lavfi', '-i', pattern],
            ...['-filter_complex', '[0:v][1:v]concat=n=2:v=1[v]', '-map', '[v]'],
          ];
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...input, ...h264, path.join(dir, `VID_${i}.mp4`)]);
  }
  writeFileSync(marker, '');
  return dir;
}
