import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { describeError } from '../source/errors.js';
import type { MirrorStore, SnapshotBytesListener, SnapshotStore, StoreName } from './snapshot-store.js';
import type { VerifiedSnapshots } from './verified-snapshots.js';

/**
 * A snapshot being read while a catalog opens: the root's copy streamed into the mirror (a download,
 * for a remote root), or the mirror's copy hashed in place when no record vouches for it.
 */
export interface SnapshotReadProgress {
  store: StoreName;
  catalogMd5: string;
  bytes: number;
  /** The file's size, when the store can tell. */
  totalBytes: number | undefined;
}

/**
 * A local copy found to hash to its name. `vouched`: a record says so, and that the rows were
 * found good too; otherwise `remember` records the copies hashed, once its rows are found good.
 */
export type LocalCopy =
  | { file: string; vouched: boolean; remember: () => Promise<void> }
  | { reason: string };

const vouchedCopy = (file: string): LocalCopy => ({ file, vouched: true, remember: async () => {} });

const mismatch = (actual: string) => ({ reason: `content hashes to ${actual}, not to its name` });

/**
 * A local file holding `store`'s copy of snapshot `md5`, checked against its name: the mirror's own
 * file, or the root's copy streamed into the mirror. A copy whose fingerprint is unchanged since it
 * was last found good is not read again (see VerifiedSnapshots).
 */
export async function verifiedLocalCopy(
  store: SnapshotStore,
  md5: string,
  mirror: MirrorStore,
  maxBytes: number,
  verified: VerifiedSnapshots,
  onProgress?: (progress: SnapshotReadProgress) => void,
): Promise<LocalCopy> {
  const listener = (from: SnapshotStore) =>
    onProgress &&
    ((bytes: number, totalBytes: number | undefined) =>
      onProgress({ store: from.name, catalogMd5: md5, bytes, totalBytes }));
  const mirrorCopy = await checkMirrorCopy(mirror, md5, maxBytes, verified, listener(mirror));
  if (store === mirror) return mirrorCopy;
  const rootCopy = await rootCopyIntoMirror(
    store,
    md5,
    mirror,
    'file' in mirrorCopy,
    maxBytes,
    verified,
    listener(store),
  );
  if (!('file' in rootCopy) || !('file' in mirrorCopy)) return rootCopy;
  // Both hash to the same name, so their rows are the same rows: either record vouches for both.
  return {
    file: rootCopy.file,
    vouched: rootCopy.vouched || mirrorCopy.vouched,
    remember: async () => {
      await mirrorCopy.remember();
      await rootCopy.remember();
    },
  };
}

/** The mirror's own copy, hashed in place and remembered when no record vouches for it. */
async function checkMirrorCopy(
  mirror: MirrorStore,
  md5: string,
  maxBytes: number,
  verified: VerifiedSnapshots,
  onBytes?: SnapshotBytesListener,
): Promise<LocalCopy> {
  const file = mirror.fileOf(md5);
  const fingerprint = await mirror.fingerprint(md5);
  if (await verified.isVerified('mirror', md5, fingerprint)) return vouchedCopy(file);
  const hashed = await mirror.copySnapshot(md5, undefined, maxBytes, onBytes).catch((error: unknown) => ({
    reason: describeError(error),
  }));
  if (hashed === undefined) return { reason: 'snapshot file missing' };
  if ('reason' in hashed) return hashed;
  if (hashed.md5 !== md5) return mismatch(hashed.md5);
  return { file, vouched: false, remember: () => verified.remember('mirror', md5, fingerprint) };
}

/**
 * The root's copy, checked: when the mirror already holds a good copy and a record vouches for the
 * root's, nothing is read; otherwise the root's copy is hashed as it streams, and written into the
 * mirror in place of a missing or damaged mirror copy (when the mirror's is good, only hashed).
 */
async function rootCopyIntoMirror(
  root: SnapshotStore,
  md5: string,
  mirror: MirrorStore,
  mirrorGood: boolean,
  maxBytes: number,
  verified: VerifiedSnapshots,
  onBytes?: SnapshotBytesListener,
): Promise<LocalCopy> {
  const file = mirror.fileOf(md5);
  // Taken before reading: should the copy change meanwhile, the record will not match.
  const fingerprint = await root.fingerprint(md5).catch(() => undefined);
  if (mirrorGood && (await verified.isVerified(root.name, md5, fingerprint))) return vouchedCopy(file);
  const temp = mirrorGood
    ? undefined
    : nodePath.join(mirror.dir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.sqlite`);
  try {
    const copied = await root.copySnapshot(md5, temp, maxBytes, onBytes);
    if (copied === undefined) return { reason: 'snapshot file missing' };
    if (copied.md5 !== md5) return mismatch(copied.md5);
    // A replaced mirror copy is not remembered yet: it is too recent to fingerprint.
    if (temp !== undefined) await fsp.rename(temp, file);
    return { file, vouched: false, remember: () => verified.remember(root.name, md5, fingerprint) };
  } finally {
    if (temp !== undefined) await fsp.rm(temp, { force: true });
  }
}
