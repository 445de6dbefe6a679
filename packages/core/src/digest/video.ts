import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import nodePath from 'node:path';
import type { z } from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { PhotolalaError } from '../source/errors.js';
import { contentIdentifier } from './content-identifier.js';
import { cleanText } from './exif-text.js';
import { extensionOf, METADATA_VERSION, type MetadataDocument, metadataDocumentSchema } from './metadata.js';
import { loadSharp } from './sharp-loader.js';
import { THUMBNAIL_QUALITY, THUMBNAIL_SIZE } from './thumbnail.js';

/** The reason an `ok` video entry carries when it was cataloged without ffmpeg, so has no poster. */
export const FFMPEG_MISSING = 'no poster or video metadata: ffmpeg was not found (apt-get install ffmpeg)';

/** Per video, for ffprobe and every ffmpeg run together. */
export const VIDEO_TIMEOUT_MS = 60_000;

/** Paths of the `ffmpeg` and `ffprobe` executables `findVideoTools` found. */
export interface VideoTools {
  ffmpeg: string;
  ffprobe: string;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, path: string | undefined): string | undefined {
  for (const folder of (path ?? '').split(nodePath.delimiter)) {
    if (folder === '') continue;
    const candidate = nodePath.join(folder, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The system ffmpeg and ffprobe: `PHOTOLALA_FFMPEG` and `PHOTOLALA_FFPROBE` when set (ffprobe is
 * otherwise looked for beside that ffmpeg), else the first of each on `PATH`. Undefined when either
 * is missing: videos are then cataloged without poster or metadata (see FFMPEG_MISSING).
 */
export function findVideoTools(env: NodeJS.ProcessEnv = process.env): VideoTools | undefined {
  const ffmpeg = env.PHOTOLALA_FFMPEG || onPath('ffmpeg', env.PATH);
  if (!ffmpeg || !executable(ffmpeg)) return undefined;
  const ffprobe =
    env.PHOTOLALA_FFPROBE ||
    (env.PHOTOLALA_FFMPEG ? nodePath.join(nodePath.dirname(ffmpeg), 'ffprobe') : onPath('ffprobe', env.PATH));
  if (!ffprobe || !executable(ffprobe)) return undefined;
  return { ffmpeg, ffprobe };
}

/** When the work on one video must end: `at` (ms epoch), `limitMs` after it began. */
export interface VideoDeadline {
  at: number;
  limitMs: number;
}

/** Runs a tool to its end, keeping at most `maxBytes` of its output; killed at the deadline. */
function run(command: string, args: string[], deadline: VideoDeadline, path: string, maxBytes: number) {
  return new Promise<Buffer>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: PhotolalaError | undefined;
    const stop = (error: PhotolalaError) => {
      failure ??= error;
      child.kill('SIGKILL');
      // A process it started (a wrapper script's) may still hold the pipes, and 'close' waits for
      // them: ours are closed now, so the kill is the end of it.
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const timer = setTimeout(
      () =>
        stop(
          new PhotolalaError(
            'UNAVAILABLE',
            `${nodePath.basename(command)} did not finish within the time limit of ${deadline.limitMs / 1000} s per video`,
            {
              backend: 'video',
              path,
            },
          ),
        ),
      Math.max(0, deadline.at - Date.now()),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes)
        stop(new PhotolalaError('CORRUPT', 'video decoder output is too large', { backend: 'video', path }));
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.on('error', (cause) => {
      clearTimeout(timer);
      reject(
        new PhotolalaError('UNSUPPORTED', `cannot run ${command}: ${cause.message}`, {
          backend: 'video',
          path,
          cause,
        }),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (code !== 0) {
        const line = stderr.split('\n').find((l) => l.trim() !== '') ?? `exit code ${code}`;
        // ffmpeg prefixes its messages with the input file's (temp) name, which means nothing to the user.
        const reason = line
          .replace(/^.*?: (?=[A-Z])/, '')
          .trim()
          .slice(0, 300);
        return reject(
          new PhotolalaError('CORRUPT', `not a readable video: ${reason}`, { backend: 'video', path }),
        );
      }
      resolve(Buffer.concat(chunks));
    });
  });
}

// Built on the first video probed (see lazySchema).
const probeSchema = lazySchema((z) => {
  const tagsSchema = z.record(z.string(), z.unknown()).optional();
  return z.object({
    streams: z
      .array(
        z.object({
          codec_type: z.string().optional(),
          codec_name: z.string().optional(),
          width: z.number().int().positive().optional(),
          height: z.number().int().positive().optional(),
          tags: tagsSchema,
          side_data_list: z.array(z.object({ rotation: z.number().optional() })).optional(),
          disposition: z.object({ attached_pic: z.number().optional() }).optional(),
        }),
      )
      .default([]),
    format: z.object({ duration: z.string().optional(), tags: tagsSchema }).default({}),
  });
});

/** What ffprobe tells of a video. */
export interface VideoFacts {
  durationSeconds: number | undefined;
  storedWidth: number;
  storedHeight: number;
  /** Clockwise degrees to turn the stored frames for display. */
  rotation: 0 | 90 | 180 | 270;
  codec: string | undefined;
  takenAt: string | null;
  make: string | null;
  model: string | null;
  gps: MetadataDocument['gps'];
  /** Apple's Live Photo identifier (`com.apple.quicktime.content.identifier`). */
  contentIdentifier?: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? cleanText(value) : null);

const QUICKTIME_DATE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A QuickTime date as ISO 8601 with its offset. Apple's `creationdate` carries the local zone
 * (`2024-05-01T12:00:00+0200`); `creation_time` is UTC by the format's definition. Dates before
 * 1971 are a zeroed field (QuickTime counts from 1904), not a capture time.
 */
export function quickTimeDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = QUICKTIME_DATE.exec(value.trim());
  if (!m || m[1]! < '1971') return null;
  const zone = !m[3] || m[3] === 'Z' ? '+00:00' : `${m[3].slice(0, 3)}:${m[3].slice(-2)}`;
  return `${m[1]}T${m[2]}${zone}`;
}

/** One ISO 6709 coordinate: decimal degrees, or degrees-minutes(-seconds) by its digit count. */
function coordinate(value: string, degreeDigits: number): number {
  const sign = value.startsWith('-') ? -1 : 1;
  const [whole = '', fraction = ''] = value.slice(1).split('.');
  const number = Number(value.slice(1));
  if (whole.length <= degreeDigits) return sign * number;
  const degrees = Number(whole.slice(0, degreeDigits));
  const rest = whole.slice(degreeDigits);
  const minutes = Number(`${rest.slice(0, 2)}${rest.length === 2 ? `.${fraction}` : ''}`);
  const seconds = rest.length > 2 ? Number(`${rest.slice(2)}.${fraction}`) : 0;
  return sign * (degrees + minutes / 60 + seconds / 3600);
}

/** QuickTime's `©xyz` / `com.apple.quicktime.location.ISO6709`: `+48.8577+002.2950+035.000/`. */
export function iso6709(value: unknown): MetadataDocument['gps'] {
  if (typeof value !== 'string') return null;
  const m = /^([+-][\d.]+)([+-][\d.]+)([+-][\d.]+)?(?:CRS[^/]*)?\/?$/.exec(value.trim());
  if (!m) return null;
  const latitude = coordinate(m[1]!, 2);
  const longitude = coordinate(m[2]!, 3);
  const altitude = m[3] === undefined ? null : Number(m[3]);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  return { latitude, longitude, altitude: altitude !== null && Number.isFinite(altitude) ? altitude : null };
}

/** Reads a video's facts with ffprobe. Throws CORRUPT when it is no readable video. */
export async function probeVideo(
  tools: VideoTools,
  file: string,
  path: string,
  deadline: VideoDeadline,
): Promise<VideoFacts> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file];
  const output = await run(tools.ffprobe, args, deadline, path, 16 * 1024 * 1024);
  let parsed: z.infer<typeof probeSchema>;
  try {
    parsed = probeSchema.parse(JSON.parse(output.toString('utf8')));
  } catch (cause) {
    throw new PhotolalaError('CORRUPT', 'ffprobe gave no readable description', {
      backend: 'video',
      path,
      cause,
    });
  }
  const video = parsed.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video?.width || !video.height)
    throw new PhotolalaError('CORRUPT', 'not a readable video: no video stream', { backend: 'video', path });
  // Keys are matched in lower case: ffprobe keeps each muxer's spelling (`ISO6709`, `creationdate`).
  const tags = new Map<string, unknown>();
  for (const source of [video.tags, parsed.format.tags])
    for (const [key, value] of Object.entries(source ?? {})) tags.set(key.toLowerCase(), value);
  const first = (...keys: string[]) => keys.map((k) => tags.get(k)).find((v) => v !== undefined);
  // The display matrix gives the counter-clockwise turn; the older `rotate` tag the clockwise one.
  const matrix = video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  const turn = matrix !== undefined ? -matrix : Number(tags.get('rotate') ?? 0);
  const rotation = ((((Math.round(turn / 90) * 90) % 360) + 360) % 360) as VideoFacts['rotation'];
  const duration = Number(parsed.format.duration);
  const identifier = contentIdentifier(first('com.apple.quicktime.content.identifier'));
  return {
    durationSeconds: Number.isFinite(duration) && duration >= 0 ? duration : undefined,
    storedWidth: video.width,
    storedHeight: video.height,
    rotation: Number.isFinite(rotation) ? rotation : 0,
    codec: text(video.codec_name)?.slice(0, 64) ?? undefined,
    takenAt:
      quickTimeDate(first('com.apple.quicktime.creationdate')) ?? quickTimeDate(first('creation_time')),
    make: text(first('com.apple.quicktime.make', 'make', 'com.android.manufacturer')),
    model: text(first('com.apple.quicktime.model', 'model', 'com.android.model')),
    gps: iso6709(first('com.apple.quicktime.location.iso6709', 'location', 'location-eng')),
    ...(identifier ? { contentIdentifier: identifier } : {}),
  };
}

/** A frame whose channels vary less than this (standard deviation, 0..255) is taken as blank. */
const BLANK_FRAME_DEVIATION = 12;

/**
 * The 256x256 poster: a frame from 10%, 25%, 50% or 75% into the video, the first that is not nearly
 * uniform (openings are often black or a fade), else the most varied of them. Each frame is seeked
 * to (`-ss` before `-i`), so a long video is not decoded up to the frame. ffmpeg applies the
 * rotation; cover crop and JPEG settings are the photo thumbnails'.
 */
export async function renderPoster(
  tools: VideoTools,
  file: string,
  path: string,
  facts: VideoFacts,
  deadline: VideoDeadline,
): Promise<Buffer> {
  const times =
    facts.durationSeconds && facts.durationSeconds > 0
      ? [0.1, 0.25, 0.5, 0.75].map((f) => f * facts.durationSeconds!)
      : [0];
  let best: { frame: Buffer; deviation: number } | undefined;
  let lastError: unknown;
  for (const time of times) {
    let frame: Buffer;
    try {
      frame = await run(
        tools.ffmpeg,
        [
          ...['-v', 'error', '-nostdin', '-ss', time.toFixed(3), '-i', file, '-frames:v', '1'],
          ...['-vf', `scale=${THUMBNAIL_SIZE}:${THUMBNAIL_SIZE}:force_original_aspect_ratio=increase`],
          ...['-f', 'image2pipe', '-c:v', 'png', '-'],
        ],
        deadline,
        path,
        32 * 1024 * 1024,
      );
    } catch (error) {
      if (error instanceof PhotolalaError && error.code === 'UNAVAILABLE') throw error;
      lastError = error;
      continue;
    }
    if (frame.length === 0) continue;
    const stats = await (await loadSharp())(frame).stats();
    const deviation = Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev));
    if (!best || deviation > best.deviation) best = { frame, deviation };
    if (deviation >= BLANK_FRAME_DEVIATION) break;
  }
  if (!best) {
    if (lastError) throw lastError;
    throw new PhotolalaError('CORRUPT', 'not a readable video: no frame could be decoded', {
      backend: 'video',
      path,
    });
  }
  const sharp = await loadSharp();
  return sharp(best.frame)
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'cover', position: 'centre' })
    .toColourspace('srgb')
    .jpeg({ quality: THUMBNAIL_QUALITY, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

/** The metadata document of a video, from what ffprobe found in it. */
export function buildVideoDocument(input: {
  photoMd5: string;
  mime: string;
  path: string;
  size: number;
  facts: VideoFacts;
}): MetadataDocument {
  const { facts } = input;
  const turned = facts.rotation === 90 || facts.rotation === 270;
  return metadataDocumentSchema.parse({
    version: METADATA_VERSION,
    photoMd5: input.photoMd5,
    kind: 'video',
    mime: input.mime,
    extension: extensionOf(input.path),
    size: input.size,
    takenAt: facts.takenAt,
    takenAtSource: facts.takenAt ? 'QuickTime' : null,
    width: turned ? facts.storedHeight : facts.storedWidth,
    height: turned ? facts.storedWidth : facts.storedHeight,
    storedWidth: facts.storedWidth,
    storedHeight: facts.storedHeight,
    orientation: 1,
    make: facts.make,
    model: facts.model,
    lens: null,
    exposureTime: null,
    fNumber: null,
    iso: null,
    focalLength: null,
    gps: facts.gps,
    ...(facts.durationSeconds !== undefined ? { durationSeconds: facts.durationSeconds } : {}),
    rotation: facts.rotation,
    ...(facts.codec ? { videoCodec: facts.codec } : {}),
    ...(facts.contentIdentifier ? { contentIdentifier: facts.contentIdentifier } : {}),
  });
}
