import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PhotolalaError } from '../source/errors.js';
import type { EnumerateOptions, RootSource } from '../source/root-source.js';
import { isCatalogOwnFile } from './catalog-files.js';

/**
 * What can go wrong with one read:
 * - `fail`: the call rejects with `UNAVAILABLE`, or a whole read's stream errors part-way through;
 * - `short`: fewer bytes than asked arrive (half of a head, or a stream that ends at half the file);
 * - `stall`: the call (or a stream, part-way through) waits `stallMs`, then goes on correctly;
 * - `swap`: just before a whole read, the file is replaced, through the source's `writeAtomic`, by
 *   the bytes of another listed file of the same size (someone moving one photo over another);
 * - `fifo`: the file has become a FIFO: this read and every later one rejects with `UNSUPPORTED`,
 *   "not a regular file", as a backend that refuses non-regular files does.
 */
export type FaultKind = 'fail' | 'short' | 'stall' | 'swap' | 'fifo';

/** Options of `faultySource`: which faults, how often, from which seed. */
export interface FaultOptions {
  /** Seeds every decision: the same seed and the same calls give the same faults, in any order. */
  seed: number;
  /** The fraction of reads (`readHead`, `readAll`) that get each fault; the sum is at most 1. */
  rates: Partial<Record<FaultKind, number>>;
  /** How long a stall lasts (default 20 ms). */
  stallMs?: number;
}

/** One fault injected: where, in which call, and for a swap the file whose bytes replaced it. */
export interface InjectedFault {
  path: string;
  call: 'readHead' | 'readAll';
  fault: FaultKind;
  swappedWith?: string;
}

/** A source that injects faults; see `faultySource`. */
export type FaultySource = RootSource & {
  /** Every fault injected so far, in the order the calls were made. */
  injected: InjectedFault[];
  /**
   * The paths a catalog must report as failed: every fault but a stall damages the read it hits
   * (a swapped file changed while it was read), except a FIFO met at the head read, which is
   * `skippedFifos`.
   */
  damaged(): Set<string>;
  /**
   * The paths that became FIFOs before their head was read: a catalog reports these as skipped
   * (not files it can catalog), as it does a FIFO in the listing.
   */
  skippedFifos(): Set<string>;
  /** Changes the rates from now on (e.g. to zero, for a scan that must recover). */
  setRates(rates: Partial<Record<FaultKind, number>>): void;
};

const KINDS: FaultKind[] = ['fail', 'short', 'stall', 'swap', 'fifo'];

/**
 * Wraps a source and makes a seeded fraction of its reads go wrong, to test that a catalog survives
 * a flaky store: that a scan completes, reports exactly the files it could not read, and never
 * records a photo-md5 that is not the file's. Each decision is a hash of the seed, the call, the path
 * and how many times that call was made for that path, so a failing run is reproduced by its seed
 * whatever order concurrent reads come in. Only the root's files get faults: the catalog's own (its
 * `.photolala.md5` pointer and snapshots) are read untouched and never in `damaged()`. Heads are not read along with the listing
 * (`headBytes` is not passed on), so every head goes through `readHead` and can be faulted.
 */
export function faultySource(source: RootSource, options: FaultOptions): FaultySource {
  let rates = { ...options.rates };
  const stallMs = options.stallMs ?? 20;
  const injected: InjectedFault[] = [];
  const calls = new Map<string, number>();
  const fifos = new Set<string>();
  /** Listed files by size, for a swap to find a partner of the same size. */
  const bySize = new Map<number, string[]>();

  /** The fault for this call, if any, and a second roll for how it strikes. */
  const decide = (call: InjectedFault['call'], path: string): { fault?: FaultKind; early: boolean } => {
    // The catalog's own files are read as they are: faults, and `damaged()`, concern the root's photos.
    if (isCatalogOwnFile(path)) return { early: false };
    const key = `${call}\0${path}`;
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    const digest = createHash('md5').update(`${options.seed}\0${key}\0${n}`).digest();
    let roll = digest.readUInt32BE(0) / 2 ** 32;
    const early = digest.readUInt32BE(4) % 2 === 0;
    for (const kind of KINDS) {
      roll -= rates[kind] ?? 0;
      if (roll < 0) return { fault: kind, early };
    }
    return { early };
  };
  const record = (fault: InjectedFault) => {
    injected.push(fault);
    if (fault.fault === 'fifo') fifos.add(fault.path);
  };
  const injectedError = (path: string, call: string) =>
    new PhotolalaError('UNAVAILABLE', `injected fault: ${call} of ${JSON.stringify(path)} failed`, {
      backend: source.backend,
      path,
    });
  const notRegular = (path: string) =>
    new PhotolalaError('UNSUPPORTED', `cannot read ${JSON.stringify(path)}: not a regular file (a FIFO)`, {
      backend: source.backend,
      path,
    });

  const headFifos = () =>
    new Set(injected.filter((f) => f.fault === 'fifo' && f.call === 'readHead').map((f) => f.path));

  /** Replaces `path` with the bytes of another file of the same size; false when there is none. */
  const swap = async (path: string): Promise<string | undefined> => {
    if (!source.writeAtomic) return undefined;
    for (const sizes of bySize.values()) {
      if (!sizes.includes(path)) continue;
      const other = sizes.find((p) => p !== path && !fifos.has(p));
      if (other === undefined) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of await source.readAll(other)) chunks.push(chunk as Buffer);
      await source.writeAtomic(path, Buffer.concat(chunks));
      return other;
    }
    return undefined;
  };

  return Object.assign(Object.create(source) as RootSource, {
    injected,
    damaged: () => {
      const skipped = headFifos();
      return new Set(injected.filter((f) => f.fault !== 'stall' && !skipped.has(f.path)).map((f) => f.path));
    },
    skippedFifos: headFifos,
    setRates: (next: Partial<Record<FaultKind, number>>) => {
      rates = { ...next };
    },
    async *enumerate(enumerateOptions?: EnumerateOptions) {
      const { headBytes: _heads, ...rest } = enumerateOptions ?? {};
      bySize.clear();
      for await (const entry of source.enumerate(rest)) {
        const list = bySize.get(entry.size) ?? [];
        list.push(entry.path);
        bySize.set(entry.size, list);
        yield entry;
      }
    },
    readHead: async (path: string, bytes: number) => {
      if (fifos.has(path)) throw notRegular(path);
      const { fault } = decide('readHead', path);
      if (fault === 'fail' || fault === 'fifo') {
        record({ path, call: 'readHead', fault });
        throw fault === 'fail' ? injectedError(path, 'readHead') : notRegular(path);
      }
      if (fault === 'stall') {
        record({ path, call: 'readHead', fault });
        await sleep(stallMs);
      }
      const head = await source.readHead(path, bytes);
      // A swap concerns a whole read; a head read goes through untouched. An empty head cannot be short.
      if (fault !== 'short' || head.length === 0) return head;
      record({ path, call: 'readHead', fault });
      return head.subarray(0, Math.floor(head.length / 2));
    },
    readAll: async (path: string) => {
      if (fifos.has(path)) throw notRegular(path);
      const { fault, early } = decide('readAll', path);
      if (fault === 'swap') {
        const other = await swap(path);
        if (other !== undefined) record({ path, call: 'readAll', fault, swappedWith: other });
        return source.readAll(path);
      }
      if (fault === 'fifo' || (fault === 'fail' && early)) {
        record({ path, call: 'readAll', fault });
        throw fault === 'fifo' ? notRegular(path) : injectedError(path, 'readAll');
      }
      const stream = await source.readAll(path);
      if (!fault) return stream;
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const whole = Buffer.concat(chunks);
      if (fault === 'short' && whole.length === 0) return Readable.from([whole]);
      record({ path, call: 'readAll', fault });
      return Readable.from(faultedStream(whole, fault, stallMs, () => injectedError(path, 'readAll')));
    },
  }) as FaultySource;
}

/** The file's bytes with the fault struck half-way through: a stream that ends, errors or pauses there. */
async function* faultedStream(
  whole: Buffer,
  fault: FaultKind,
  stallMs: number,
  error: () => Error,
): AsyncGenerator<Buffer> {
  const half = Math.floor(whole.length / 2);
  yield whole.subarray(0, half);
  if (fault === 'short') return;
  if (fault === 'fail') throw error();
  await sleep(stallMs);
  yield whole.subarray(half);
}
