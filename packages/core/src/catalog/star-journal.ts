import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { isMd5 } from '../digest/identity.js';
import { readRegularFile } from '../source/regular-file.js';
import { processRunning } from './process-running.js';

/** One star or unstar, as the journal keeps it until a snapshot holds it. */
export interface StarChange {
  path: string;
  starred: boolean;
  /** The photo starred: a star is replayed only onto the same photo. */
  photoMd5: string | null;
}

const JOURNAL_PREFIX = '.photolala-stars-';
const JOURNAL_NAME = /^\.photolala-stars-(\d+)-[0-9a-f]{12}\.jsonl$/;

/**
 * Star changes a catalog has made since its last snapshot, so that a crash (or an app that never
 * calls `save()`) does not lose them: a star is a user's choice, not something a rescan can find
 * again. One file per process, in the root's mirror folder, one JSON line per change, synced to
 * disk before `star()` returns; it is removed once a snapshot holds the changes. A catalog opened
 * later replays the files of processes that are gone (see `orphanedStarChanges`).
 */
export class StarJournal {
  private readonly file: string;

  constructor(mirrorDir: string) {
    this.file = nodePath.join(
      mirrorDir,
      `${JOURNAL_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}.jsonl`,
    );
  }

  async record(change: StarChange): Promise<void> {
    const handle = await fsp.open(this.file, 'a', 0o644);
    try {
      await handle.write(`${JSON.stringify(change)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** The changes are in a published snapshot now. */
  async clear(): Promise<void> {
    await fsp.rm(this.file, { force: true });
  }
}

/**
 * The star changes left in `mirrorDir` by processes that ended without publishing them, oldest file
 * first, and the files they came from (removed by the caller once the changes are its own). A
 * journal of a process still running is its own business. Every line is checked: a torn last line
 * (the crash) or anything else malformed is skipped.
 */
export async function orphanedStarChanges(
  mirrorDir: string,
): Promise<{ changes: StarChange[]; files: string[] }> {
  const found: { file: string; mtimeMs: number }[] = [];
  for (const name of await fsp.readdir(mirrorDir).catch(() => [] as string[])) {
    const pid = Number(JOURNAL_NAME.exec(name)?.[1]);
    if (!Number.isInteger(pid) || processRunning(pid)) continue;
    const file = nodePath.join(mirrorDir, name);
    const info = await fsp.stat(file).catch(() => undefined);
    if (info?.isFile()) found.push({ file, mtimeMs: info.mtimeMs });
  }
  found.sort((a, b) => a.mtimeMs - b.mtimeMs);
  const changes: StarChange[] = [];
  for (const { file } of found) {
    const text = await readRegularFile(file, 'mirror').then(String, () => '');
    for (const line of text.split('\n')) {
      const change = parseChange(line);
      if (change) changes.push(change);
    }
  }
  return { changes, files: found.map((f) => f.file) };
}

function parseChange(line: string): StarChange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { path, starred, photoMd5 } = (value ?? {}) as Record<string, unknown>;
  if (typeof path !== 'string' || path === '' || typeof starred !== 'boolean') return undefined;
  if (photoMd5 !== null && !isMd5(photoMd5)) return undefined;
  return { path, starred, photoMd5 };
}
