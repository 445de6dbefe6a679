import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import type Database from 'better-sqlite3';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { makeFolder } from '../source/make-folder.js';

/**
 * `VACUUM INTO` writes the source's schema cookie plus one and its own change counter, so a snapshot
 * of a reloaded snapshot would differ from the original in those header fields alone. Fixing them to
 * 1 (cookie at offset 40, change counter at 24 and the matching version-valid-for at 92) makes equal
 * rows give equal bytes across reloads; an immutable file shared by no live connection needs neither.
 */
const NORMALIZED_HEADER_FIELDS = [24, 40, 92];

/**
 * Where a snapshot keeps its generation: the header's user version (big-endian, 4 bytes), which
 * SQLite never interprets. Written into the finished file, so the rows' bytes need not be made twice to
 * learn whether anything changed (see serializeSnapshot).
 */
const GENERATION_OFFSET = 60;
const HEADER_BYTES = 100;

/**
 * A snapshot's generation: one more than the snapshot its catalog was loaded from, or last published,
 * whenever its content changed. The newest catalog then wins wherever it lies: a read-only root's
 * pointer may name an older one than the mirror's. Snapshots written before generations have 0 and
 * count as the oldest.
 */
export function snapshotGeneration(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

async function normalizeHeaderOf(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    const { size } = await handle.stat();
    if (size < HEADER_BYTES) return;
    const one = Buffer.alloc(4);
    one.writeUInt32BE(1, 0);
    for (const offset of NORMALIZED_HEADER_FIELDS) await handle.write(one, 0, 4, offset);
  } finally {
    await handle.close();
  }
}

const generationBytes = (generation: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(generation, 0);
  return bytes;
};

/**
 * The file's MD5 with its generation field set to each of `generations`, from one read: the bytes
 * before the field are hashed once, then each hash is copied and fed the rest.
 */
async function md5sWithGenerations(file: string, generations: number[]): Promise<string[]> {
  const handle = await fsp.open(file, 'r');
  let before: Buffer;
  try {
    before = Buffer.alloc(GENERATION_OFFSET);
    await handle.read(before, 0, GENERATION_OFFSET, 0);
  } finally {
    await handle.close();
  }
  const start = createHash('md5').update(before);
  const hashes = generations.map((g) => start.copy().update(generationBytes(g)));
  const rest = createReadStream(file, { start: GENERATION_OFFSET + 4, highWaterMark: 1024 * 1024 });
  for await (const chunk of rest) for (const hash of hashes) hash.update(chunk as Buffer);
  return hashes.map((h) => h.digest('hex'));
}

/** A snapshot written to a local temp file; `dispose` removes the file. */
export interface SerializedSnapshot {
  file: string;
  size: number;
  catalogMd5: string;
  generation: number;
  dispose(): Promise<void>;
}

/**
 * Serialises the working database with `VACUUM INTO` into a temp file in `tempDir`: rows in key
 * order, so equal content gives equal bytes. Its generation is `base.generation` when the content is
 * that of `base` (an unchanged catalog, or a star and its unstar: no new snapshot), else one more.
 * The file is hashed as a stream and never read into memory whole (100k photos are about 88 MB).
 */
export async function serializeSnapshot(
  db: Database.Database,
  tempDir: string,
  base: { catalogMd5: string | undefined; generation: number },
): Promise<SerializedSnapshot> {
  await makeFolder(tempDir);
  const file = nodePath.join(tempDir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.sqlite`);
  const dispose = () => fsp.rm(file, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(file);
    await normalizeHeaderOf(file);
    const { size } = await fsp.stat(file);
    if (size < HEADER_BYTES) throw new Error(`VACUUM INTO wrote ${size} bytes, less than a header`);
    const next = base.generation + 1;
    const [same, changed] = await md5sWithGenerations(file, [base.generation, next]);
    const unchanged = same === base.catalogMd5;
    const generation = unchanged ? base.generation : next;
    const handle = await fsp.open(file, 'r+');
    try {
      await handle.write(generationBytes(generation), 0, 4, GENERATION_OFFSET);
    } finally {
      await handle.close();
    }
    return { file, size, catalogMd5: (unchanged ? same : changed)!, generation, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
