import { closeSync, constants, promises as fsp, fstatSync, openSync, readSync } from 'node:fs';
import nodePath from 'node:path';
import type Database from 'better-sqlite3';
import { isMd5 } from '../digest/identity.js';
import { writeFileAtomic } from '../source/atomic-file.js';
import { OPEN_FOR_READING } from '../source/regular-file.js';
import { type FirstScreen, type FirstScreenPhoto, positionsOf } from './first-screen.js';

/**
 * A snapshot's first screen (`Catalog.firstScreen`) kept beside its copy in the cache mirror:
 * `{cache-root}/{root-md5}/.photolala.{catalog-md5}.first-screen.json`. A snapshot never changes, so
 * neither does its first screen; counting the months of 100,000 photos and ordering the newest took
 * most of what `photolala serve` did before its page could be sent, on every start.
 */
export const FIRST_SCREEN_FILE = /^\.photolala\.([0-9a-f]{32})\.first-screen\.json$/;

/** The file name of snapshot `catalogMd5`'s first screen; throws when it is not 32 lowercase hex digits. */
export function firstScreenFileName(catalogMd5: string): string {
  if (!isMd5(catalogMd5)) throw new Error(`invalid catalog md5 ${JSON.stringify(catalogMd5)}`);
  return `.photolala.${catalogMd5}.first-screen.json`;
}

/** 1: `{ version, catalogMd5, limit, screen }`. Another version is not read. */
const FILE_VERSION = 1;
/** Larger is no file of ours (300 photos with long paths take a few hundred kB); it is not read. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_MONTHS = 100_000;
const MAX_PATH_CHARS = 4096;
/** `YYYY-MM` as `monthText` writes it: a year of any digits (not padded), a month 01-12. */
const MONTH = /^-?\d{1,6}-(0[1-9]|1[0-2])$/;
const ROLES = new Set(['motion', 'raw', 'edited']);
const KIND = /^[a-z]{1,16}$/;

/**
 * The first screen of `limit` photos stored for snapshot `catalogMd5` in `mirrorDir`, if one is there
 * and it holds up: read as untrusted input, a file of any other shape, snapshot or limit is ignored,
 * and so is one whose photos the database `db` (that snapshot, unmodified) does not hold as it says
 * (path, photo-md5, star, kind). Synchronous: a small local file, read while the page is asked for.
 */
export function readFirstScreenFile(
  mirrorDir: string,
  catalogMd5: string,
  limit: number,
  db: Database.Database,
): FirstScreen | undefined {
  let text: string;
  try {
    text = readSmallFile(nodePath.join(mirrorDir, firstScreenFileName(catalogMd5)));
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const screen = firstScreenIn(value, catalogMd5, limit);
  return screen && heldBy(db, screen) ? screen : undefined;
}

/** A regular file's text, refused (throws) when it is anything else or larger than MAX_FILE_BYTES. */
function readSmallFile(file: string): string {
  const fd = openSync(file, OPEN_FOR_READING | (constants.O_NOFOLLOW ?? 0));
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) throw new Error('not a first-screen file');
    const buffer = Buffer.alloc(info.size);
    let read = 0;
    while (read < info.size) {
      const n = readSync(fd, buffer, read, info.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first screen a parsed file holds, checked field by field, or undefined when anything is off. */
export function firstScreenIn(value: unknown, catalogMd5: string, limit: number): FirstScreen | undefined {
  if (!isRecord(value)) return undefined;
  if (value.version !== FILE_VERSION || value.catalogMd5 !== catalogMd5 || value.limit !== limit)
    return undefined;
  const screen = value.screen;
  if (!isRecord(screen) || !isCount(screen.total)) return undefined;
  const { months, photos, total } = screen;
  if (!Array.isArray(months) || months.length > MAX_MONTHS) return undefined;
  if (!Array.isArray(photos) || photos.length !== Math.min(limit, total)) return undefined;
  let sum = 0;
  const seenMonths = new Set<string>();
  let previous = Infinity;
  for (const m of months) {
    if (!isRecord(m) || typeof m.month !== 'string' || !MONTH.test(m.month)) return undefined;
    if (!isCount(m.count) || m.count === 0 || seenMonths.has(m.month)) return undefined;
    // Newest month first.
    const [year, month] = [Number(m.month.slice(0, -3)), Number(m.month.slice(-2))];
    const key = year * 12 + month - 1;
    if (key >= previous) return undefined;
    previous = key;
    seenMonths.add(m.month);
    sum += m.count;
  }
  if (sum !== total) return undefined;
  const positions = new Set<number>();
  const paths = new Set<string>();
  const checked: FirstScreenPhoto[] = [];
  for (const p of photos) {
    if (!isRecord(p)) return undefined;
    const { position, path, photoMd5, starred, kind, grouped, attached } = p;
    if (!isCount(position) || positions.has(position)) return undefined;
    if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_CHARS || paths.has(path))
      return undefined;
    if (path.includes('\0') || path.startsWith('/') || path.split('/').some((s) => s === '..' || s === '.'))
      return undefined;
    if (!isMd5(photoMd5) || typeof starred !== 'boolean' || typeof grouped !== 'boolean') return undefined;
    if (typeof kind !== 'string' || !KIND.test(kind)) return undefined;
    if (!Array.isArray(attached) || attached.length > ROLES.size) return undefined;
    if (!attached.every((role) => typeof role === 'string' && ROLES.has(role))) return undefined;
    if (new Set(attached).size !== attached.length) return undefined;
    positions.add(position);
    paths.add(path);
    checked.push({ position, path, photoMd5, starred, kind, grouped, attached: [...attached] as string[] });
  }
  return { months: months.map((m) => ({ month: m.month, count: m.count })), total, photos: checked };
}

/**
 * Whether `db` holds each photo of `screen` as it says: a photo of that path, photo-md5, star and
 * kind, at that place in path order (its position: how many paths sort before it). An indexed
 * lookup per photo, and the positions counted as the first screen counts them: a few milliseconds.
 */
function heldBy(db: Database.Database, screen: FirstScreen): boolean {
  if (screen.photos.length === 0) return true;
  const rows = db
    .prepare(
      `SELECT path, photo_md5, starred, kind FROM entries
       WHERE path IN (SELECT value FROM json_each(?)) AND status = 'ok'`,
    )
    .raw(true)
    .all(JSON.stringify(screen.photos.map((p) => p.path))) as [unknown, unknown, unknown, unknown][];
  const byPath = new Map(rows.map((row) => [row[0], row]));
  const positions = positionsOf(
    db,
    screen.photos.map((p) => p.path),
  );
  return screen.photos.every((p) => {
    const row = byPath.get(p.path);
    return (
      row !== undefined &&
      row[1] === p.photoMd5 &&
      row[2] === (p.starred ? 1 : 0) &&
      row[3] === p.kind &&
      positions.get(p.path) === p.position
    );
  });
}

/**
 * Keeps `screen` for snapshot `catalogMd5` in `mirrorDir`, written atomically (temp file and rename),
 * and removes the first screens of snapshots that `kept` (the mirror's pointer) no longer names: so
 * they do not outlast their snapshots, which the pointer's retention removes.
 */
export async function writeFirstScreenFile(
  mirrorDir: string,
  catalogMd5: string,
  limit: number,
  screen: FirstScreen,
  kept: readonly string[],
): Promise<void> {
  const text = JSON.stringify({ version: FILE_VERSION, catalogMd5, limit, screen });
  await writeFileAtomic(nodePath.join(mirrorDir, firstScreenFileName(catalogMd5)), Buffer.from(text));
  await removeFirstScreenFiles(mirrorDir, new Set([catalogMd5, ...kept]));
}

/** Removes the first-screen files in `mirrorDir` of snapshots not in `keep`. */
export async function removeFirstScreenFiles(mirrorDir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const name of await fsp.readdir(mirrorDir).catch(() => [] as string[])) {
    const md5 = FIRST_SCREEN_FILE.exec(name)?.[1];
    if (md5 && !keep.has(md5)) await fsp.rm(nodePath.join(mirrorDir, name), { force: true }).catch(() => {});
  }
}
