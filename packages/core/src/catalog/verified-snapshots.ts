import nodePath from 'node:path';
import { isMd5 } from '../digest/identity.js';
import { writeFileAtomic } from '../source/atomic-file.js';
import { readRegularFile } from '../source/regular-file.js';
import type { StoreName } from './snapshot-store.js';

/** Kept in the root's cache mirror folder, beside the mirror's pointer. */
export const VERIFIED_FILE = '.photolala.verified.json';

/** Snapshot copies remembered per store; more than the pointers keep, so none is forgotten early. */
const REMEMBERED_PER_STORE = 8;

/**
 * 2: a record vouches for the copy's rows too (see checkSnapshotRows). Records of version 1 vouch
 * for the hash alone, so they are dropped: each copy is hashed and judged once more.
 */
const RECORDS_VERSION = 2;

/** Per store, [catalog md5, fingerprint] pairs, newest first. */
interface Records {
  version: typeof RECORDS_VERSION;
  root: [string, string][];
  mirror: [string, string][];
}

const isPairList = (value: unknown): value is [string, string][] =>
  Array.isArray(value) &&
  value.length <= 64 &&
  value.every(
    (pair) =>
      Array.isArray(pair) &&
      pair.length === 2 &&
      isMd5(pair[0]) &&
      typeof pair[1] === 'string' &&
      pair[1].length <= 200,
  );

/**
 * The records in a parsed file, or undefined when it holds anything else. Checked by hand, not with
 * zod: the file is read on every reload, and loading zod would cost `list` more than the check.
 */
function recordsIn(value: unknown): Records | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, root, mirror } = value as Record<string, unknown>;
  if (version !== RECORDS_VERSION || !isPairList(root) || !isPairList(mirror)) return undefined;
  return { version, root, mirror };
}

/**
 * Which snapshot copies have been hashed and found to match their names (and whose rows were found
 * good), with the stat fingerprint each copy had then (size and mtime, plus inode and ctime for local files, or the ETag).
 *
 * Hashing a 100k-entry snapshot reads 88 MB, which took longer than everything else a reload does.
 * A copy whose fingerprint is unchanged since it was hashed (or written by this catalog) is trusted
 * without reading it again: the same trust a rescan gives a photo's size and mtime. Any change to
 * the file, including a rewrite in place, a truncation or a replacement, changes the fingerprint,
 * and the copy is hashed again.
 */
export class VerifiedSnapshots {
  private records: Records | undefined;

  constructor(private readonly mirrorDir: string) {}

  async isVerified(store: StoreName, catalogMd5: string, fingerprint: string | undefined): Promise<boolean> {
    if (fingerprint === undefined) return false;
    const records = await this.load();
    return records[store].some(([md5, known]) => md5 === catalogMd5 && known === fingerprint);
  }

  /** Records a copy as good. Failing to save the record only costs a hash next time. */
  async remember(store: StoreName, catalogMd5: string, fingerprint: string | undefined): Promise<void> {
    if (fingerprint === undefined) return;
    const records = await this.load();
    records[store] = [
      [catalogMd5, fingerprint] as [string, string],
      ...records[store].filter(([md5]) => md5 !== catalogMd5),
    ].slice(0, REMEMBERED_PER_STORE);
    await writeFileAtomic(this.file, Buffer.from(JSON.stringify(records))).catch(() => {});
  }

  private get file(): string {
    return nodePath.join(this.mirrorDir, VERIFIED_FILE);
  }

  private async load(): Promise<Records> {
    if (this.records) return this.records;
    let parsed: Records | undefined;
    try {
      const text = (await readRegularFile(this.file, 'mirror', 64 * 1024)).toString('utf8');
      // Anything unexpected (a damaged or foreign file) counts as no records: everything is hashed.
      parsed = recordsIn(JSON.parse(text));
    } catch {
      // Missing, unreadable, over 64 KiB or not a regular file: no records.
    }
    this.records = parsed ?? { version: RECORDS_VERSION, root: [], mirror: [] };
    return this.records;
  }
}
