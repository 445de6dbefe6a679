// The three phases every remote scenario times (remote.ts for S3, remote-servers.ts for WebDAV and
// SMB): a cold first scan, the bare listing against which the unchanged rescan is judged, the rescan
// itself, and a reopen with list; each with the requests the server counted for it.
import { finished } from 'node:stream';
import type { Catalog, CatalogEventMap } from '@photolala/core';
import type { RootSource } from '@photolala/core/backend';

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
  /** The busy time of the source's calls by kind since the last call (see sourceTimer). */
  sourceTimes?(): Record<string, { calls: number; ms: number }>;
}

const now = () => performance.now();

/** Calls of one kind a source made, and the wall time during which at least one was under way. */
interface Busy {
  calls: number;
  ms: number;
  active: number;
  since: number;
}

const WRITES = ['writeAtomic', 'writeAtomicFromFile', 'writeIfUnchanged', 'remove'] as const;

/**
 * Wraps sources so that their calls are timed by kind: `list` from the first entry asked for to the
 * last, `head` (readHead), `read` (readAll, until its stream ends) and `write` (writes and removals).
 * Concurrent calls of a kind count once, so each figure is wall time, comparable with the phase it
 * falls in.
 */
export function sourceTimer() {
  const kinds = ['list', 'head', 'read', 'write'] as const;
  type Kind = (typeof kinds)[number];
  const busy = {} as Record<Kind, Busy>;
  const reset = () => {
    for (const kind of kinds) busy[kind] = { calls: 0, ms: 0, active: 0, since: 0 };
  };
  reset();
  const enter = (kind: Kind) => {
    const b = busy[kind];
    b.calls++;
    if (b.active++ === 0) b.since = now();
  };
  const leave = (kind: Kind) => {
    const b = busy[kind];
    if (--b.active === 0) b.ms += now() - b.since;
  };
  const timed = <T>(kind: Kind, run: () => Promise<T>) => {
    enter(kind);
    return run().finally(() => leave(kind));
  };
  const wrap = (source: RootSource): RootSource => {
    const wrapped: RootSource = Object.assign(Object.create(source) as RootSource, {
      async *enumerate(options?: Parameters<RootSource['enumerate']>[0]) {
        enter('list');
        try {
          yield* source.enumerate(options);
        } finally {
          leave('list');
        }
      },
      readHead: (...args: Parameters<RootSource['readHead']>) =>
        timed('head', () => source.readHead(...args)),
      readAll: async (...args: Parameters<RootSource['readAll']>) => {
        enter('read');
        let stream: Awaited<ReturnType<RootSource['readAll']>>;
        try {
          stream = await source.readAll(...args);
        } catch (error) {
          leave('read');
          throw error;
        }
        finished(stream, () => leave('read'));
        return stream;
      },
    });
    for (const name of WRITES) {
      const write = source[name] as ((...args: unknown[]) => Promise<void>) | undefined;
      if (write)
        Object.assign(wrapped, {
          [name]: (...args: unknown[]) => timed('write', () => write.apply(source, args)),
        });
    }
    return wrapped;
  };
  /** The figures since the last call, then zeroed: `{ list: { calls, ms }, head: ..., ... }`. */
  const taken = () => {
    const out: Record<string, { calls: number; ms: number }> = {};
    for (const kind of kinds) out[kind] = { calls: busy[kind].calls, ms: Math.round(busy[kind].ms) };
    reset();
    return out;
  };
  return { wrap, taken };
}

/** Runs the phases in order (the root's catalog files already removed, so the first scan is cold). */
export async function timeRemotePhases({ open, requests, listing, sourceTimes }: RemotePhases) {
  await requests();
  sourceTimes?.();
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
  const coldSource = sourceTimes?.();

  // Once to warm the server's own caches as the rescan will find them, then timed.
  await listing();
  t = now();
  const listed = await listing();
  const baselineMs = now() - t;
  const baselineRequests = await requests();

  const again = await open();
  sourceTimes?.();
  t = now();
  const rescan = await again.scan();
  const ms = now() - t;
  const rescanSource = sourceTimes?.();
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
      ...(coldSource ? { coldSourceBusy: JSON.stringify(coldSource) } : {}),
      coldRequests: JSON.stringify(coldRequests.byKind),
      ...(coldRequests.photoReads >= 0 ? { coldPhotoReads: coldRequests.photoReads } : {}),
      rescanChanged: rescan.added.length + rescan.changed.length + rescan.removed.length,
      rescanRequests: JSON.stringify(rescanRequests.byKind),
      ...(rescanSource ? { rescanSourceBusy: JSON.stringify(rescanSource) } : {}),
      reopenListMs: Math.round(reopenListMs),
      reopenListed,
      reopenRequests: JSON.stringify(reopenRequests.byKind),
    },
  };
}
