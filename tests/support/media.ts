import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES } from './fs.js';
import { rawWithPreview } from './images.js';

/** A one-second H.264 QuickTime movie of one colour, made by the system ffmpeg (apt-get install ffmpeg). */
export async function movie(colour: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'photolala-movie-'));
  try {
    const out = path.join(dir, 'clip.mov');
    const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=${colour}:s=64x48:d=1`];
    execFileSync('ffmpeg', [...args, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A one-second movie as an iPhone writes a Live Photo's: QuickTime metadata keys with Apple's
 * `com.apple.quicktime.content.identifier`, written by the system ffmpeg.
 */
export async function liveMovie(colour: string, identifier: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'photolala-live-'));
  try {
    const out = path.join(dir, 'clip.mov');
    const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=${colour}:s=64x48:d=1`];
    const metadata = ['-movflags', 'use_metadata_tags'];
    metadata.push('-metadata', `com.apple.quicktime.content.identifier=${identifier}`);
    execFileSync('ffmpeg', [...args, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...metadata, out]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * An Apple maker note holding a Live Photo identifier (tag 0x0011, exiftool's `MediaGroupUUID`):
 * `Apple iOS`, version 1, `MM`, then a big-endian IFD of the note version and the identifier, its
 * offsets counted from the note's start.
 */
function appleMakerNote(identifier: string): Buffer {
  const text = Buffer.from(`${identifier}\0`, 'latin1');
  const entries = 2;
  const dataOffset = 14 + 2 + entries * 12 + 4;
  const note = Buffer.alloc(dataOffset + text.length);
  note.write('Apple iOS\0', 0, 'latin1');
  note.writeUInt16BE(1, 10);
  note.write('MM', 12, 'latin1');
  note.writeUInt16BE(entries, 14);
  // MakerNoteVersion: one signed 32-bit value, 14 as an iPhone 13 writes.
  note.writeUInt16BE(0x0001, 16);
  note.writeUInt16BE(9, 18);
  note.writeUInt32BE(1, 20);
  note.writeInt32BE(14, 24);
  note.writeUInt16BE(0x0011, 28);
  note.writeUInt16BE(2, 30);
  note.writeUInt32BE(text.length, 32);
  note.writeUInt32BE(dataOffset, 36);
  text.copy(note, dataOffset);
  return note;
}

/**
 * `photo` (a JPEG or HEIC, named by `extension`) as an iPhone's Live Photo still: `Make` Apple and a
 * maker note with `identifier`, written by exiftool (which edits an Apple note's tags but adds none,
 * so the note is written whole).
 */
export async function livePhoto(photo: Buffer, extension: string, identifier: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'photolala-live-'));
  try {
    const file = path.join(dir, `photo.${extension}`);
    const note = path.join(dir, 'note.bin');
    await writeFile(file, photo);
    await writeFile(note, appleMakerNote(identifier));
    execFileSync('exiftool', ['-q', '-overwrite_original', '-Make=Apple', `-MakerNotes<=${note}`, file]);
    const written = execFileSync('exiftool', ['-s3', '-Apple:MediaGroupUUID', file]).toString().trim();
    if (written !== identifier) throw new Error(`exiftool wrote ${JSON.stringify(written)}`);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const fixture = (name: string) => readFile(path.join(FIXTURES, name));

/** An XMP packet whose rdf:Description has `attributes` and holds `body`, as Lightroom writes one. */
export const xmpPacket = (
  attributes: string,
  body = '',
) => `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" ${attributes}>${body}
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

/** `dc:subject` of these keywords, for the body of `xmpPacket`. */
export const xmpKeywords = (...keywords: string[]) =>
  `<dc:subject><rdf:Bag>${keywords.map((k) => `<rdf:li>${k}</rdf:li>`).join('')}</rdf:Bag></dc:subject>`;

/** `jpeg` with an XMP APP1 segment (as Lightroom and phones write it) right after its start. */
export function withXmp(jpeg: Buffer, packet: string): Buffer {
  const payload = Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), Buffer.from(packet)]);
  const length = payload.length + 2;
  return Buffer.concat([
    jpeg.subarray(0, 2),
    Buffer.from([0xff, 0xe1, length >> 8, length & 0xff]),
    payload,
    jpeg.subarray(2),
  ]);
}

export const PIXEL = 'pixel/PXL_20231010_101010123';

/**
 * A Live Photo, a RAW+JPEG pair, a Pixel RAW pair, an Apple edited copy (rated 5, keyword "sunset"),
 * and a photo on its own (rated 3, keyword "beach"), from the real fixtures.
 */
export async function mediaTree(): Promise<Record<string, Buffer>> {
  const heic = await fixture('iphone_13_pro_max.HEIC');
  return {
    'live/IMG_0001.HEIC': heic,
    'live/IMG_0001.MOV': await movie('red'),
    'raw/DSC_0002.JPG': await fixture('landscape_2.jpg'),
    'raw/DSC_0002.CR2': rawWithPreview(await fixture('landscape_2.jpg'), 1),
    [`${PIXEL}.RAW-01.COVER.jpg`]: await fixture('landscape_3.jpg'),
    [`${PIXEL}.RAW-02.ORIGINAL.dng`]: rawWithPreview(await fixture('landscape_3.jpg'), 1, 'dng'),
    // Eight bytes more than the Live Photo's HEIC: another photo-md5.
    'edit/IMG_1234.HEIC': Buffer.concat([heic, Buffer.alloc(8)]),
    'edit/IMG_E1234.JPG': withXmp(
      await fixture('landscape_4.jpg'),
      xmpPacket('xmp:Rating="5"', xmpKeywords('sunset')),
    ),
    'single.jpg': withXmp(
      await fixture('landscape_5.jpg'),
      xmpPacket('xmp:Rating="3"', xmpKeywords('Beach', 'sea')),
    ),
  };
}

/** What `mediaTree` groups into, as `role of group` (a file in no group: its kind). */
export const MEDIA_GROUPS: Record<string, string> = {
  'edit/IMG_1234.HEIC': 'primary of edit/IMG_1234.HEIC',
  'edit/IMG_E1234.JPG': 'edited of edit/IMG_1234.HEIC',
  'live/IMG_0001.HEIC': 'primary of live/IMG_0001.HEIC',
  'live/IMG_0001.MOV': 'motion of live/IMG_0001.HEIC',
  [`${PIXEL}.RAW-01.COVER.jpg`]: `primary of ${PIXEL}.RAW-01.COVER.jpg`,
  [`${PIXEL}.RAW-02.ORIGINAL.dng`]: `raw of ${PIXEL}.RAW-01.COVER.jpg`,
  'raw/DSC_0002.CR2': 'raw of raw/DSC_0002.JPG',
  'raw/DSC_0002.JPG': 'primary of raw/DSC_0002.JPG',
  'single.jpg': 'jpeg',
};

/** A change of each member of the groups of `mediaTree`, shown photos and attached files alike. */
export async function mediaChanges(): Promise<Record<string, Buffer>> {
  return {
    'live/IMG_0001.MOV': await movie('blue'),
    'raw/DSC_0002.CR2': rawWithPreview(await fixture('landscape_2.jpg'), 6),
    [`${PIXEL}.RAW-02.ORIGINAL.dng`]: rawWithPreview(await fixture('landscape_3.jpg'), 3, 'dng'),
    'edit/IMG_E1234.JPG': withXmp(
      await fixture('landscape_6.jpg'),
      xmpPacket('xmp:Rating="5"', xmpKeywords('sunset')),
    ),
    'raw/DSC_0002.JPG': await fixture('landscape_7.jpg'),
  };
}
