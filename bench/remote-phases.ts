// The three phases every remote scenario times (remote.ts for S3, remote-servers.ts for WebDAV and
// SMB): a cold first scan, the bare listing against which the unchanged rescan is judged, the rescan
// itself, and a reopen with list; each with the requests the server counted for it.
import type { Catalog, CatalogEventMap } from '@photolala/core';

/** What a server counted since it was last asked. */
export interface Requests {
  byKind: Record<string, number>;
  /** GETs (whole or ranged) of photos, not of the catalog's own files; -1 where it cannot tell. */
  photoReads: number;
}

export interface RemotePhases {
  /** Opens the root's catalog afresh. */
  open(): Promise<Catalog>;
  /** The requests since the last call. */
  requests(): Promise<Requests>;
  /** The bare listing of the root, without a catalog: its number of photos. */
  listing(): Promise<number>;
}

const now = () => performance.now();

/** Runs the phases in order (the root's catalog files already removed, so the first scan is cold). */
export async function timeRemotePhases({ open, requests, listing }: RemotePhases) {
  await requests();
  let t = now();
  const cold = await open();
  const phaseEnds: Partial<Record<CatalogEventMap['progress']['phase'], number>> = {};
  cold.events.on('progress', (p) => {
    phaseEnds[p.phase] = now() - t;
  });
  const first = await cold.scan();
  await cold.close();
  const coldMs = now() - t;
  const coldRequests = await requests();

  // Once to warm the server's own caches as the rescan will find them, then timed.
  await listing();
  t = now();
  const listed = await listing();
  const baselineMs = now() - t;
  const baselineRequests = await requests();

  const again = await open();
  t = now();
  const rescan = await again.scan();
  const ms = now() - t;
  await again.close();
  const rescanRequests = await requests();

  t = now();
  const reopened = await open();
  const reopenListed = reopened.list().length;
  const reopenListMs = now() - t;
  await reopened.close();
  const reopenRequests = await requests();
  return {
    files: listed,
    ms,
    baselineMs,
    rescan,
    rescanRequests,
    baselineRequests,
    extra: {
      coldMs: Math.round(coldMs),
      coldFilesPerSecond: Math.round(first.entries / (coldMs / 1000)),
      coldListMs: Math.round(phaseEnds.discover ?? 0),
      coldDigestMs: Math.round((phaseEnds.digest ?? 0) - (phaseEnds.discover ?? 0)),
      coldSaveMs: Math.round(coldMs - (phaseEnds.digest ?? phaseEnds.discover ?? 0)),
      coldRequests: JSON.stringify(coldRequests.byKind),
      ...(coldRequests.photoReads >= 0 ? { coldPhotoReads: coldRequests.photoReads } : {}),
      rescanChanged: rescan.added.length + rescan.changed.length + rescan.removed.length,
      rescanRequests: JSON.stringify(rescanRequests.byKind),
      reopenListMs: Math.round(reopenListMs),
      reopenListed,
      reopenRequests: JSON.stringify(reopenRequests.byKind),
    },
  };
}
