import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

import {
  FILE,
  FOLDER,
  type FolderListing,
  GONE,
  LINK,
  LISTING_WORKER,
  OTHER,
  WITHDRAWN,
} from '../worker/list-folder.mjs';

export { type FolderListing, listFolder } from '../worker/list-folder.mjs';

/** Entry kinds in a listing. */
export const EntryKind = { other: OTHER, file: FILE, folder: FOLDER, link: LINK, gone: GONE } as const;

const WORKER_URL = new URL('../worker/list-folder.mjs', import.meta.url);

type Reply =
  | { id: number; listing: Omit<FolderListing, 'names'>; names: string }
  | { id: number; error: { code?: string; message: string } };

type Waiting = { request: ListingRequest; resolve(listing: FolderListing): void; reject(error: Error): void };

/**
 * Requests the worker has not started yet can be taken back (`withdraw`): each request id has a slot
 * in a shared array holding the id while the request is open. The worker claims it (OPEN -> CLAIMED)
 * before listing, and skips it if the calling thread withdrew it first (OPEN -> WITHDRAWN). Ids
 * share slots modulo the slot count; a slot still holding a request the worker has not claimed is
 * not reused (once claimed, the slot is free again, so whether `list` refuses depends on the worker).
 */
const CLAIM_SLOTS = 4096;

/** A listing asked of the worker. */
export interface ListingRequest {
  /** The request's id; -1 for a listing made on the calling thread. */
  readonly id: number;
  readonly listing: Promise<FolderListing>;
  /** Whether the reply is in: set as soon as it is received, before `listing`'s callbacks run. */
  readonly settled: boolean;
}

/**
 * Lists folders in a worker thread, started on first use (or `warmUp`) and kept until `close` (the
 * local source closes it when no walk needs it; the next call starts another).
 * One worker: on a two-core machine a second one only competes with the thread that compares the
 * listings (measured slower). The worker does not keep the process alive while it owes nothing, and
 * a crashed worker fails what it owed and is started again on the next call.
 *
 * Replies come on a port of their own, so that `collect` can take them in without returning to the
 * event loop: a walk whose entries are all ready runs on microtasks alone and would otherwise not
 * see the worker's replies until it waited for one.
 */
export class FolderLister {
  private worker: { thread: Worker; replies: MessagePort; claims: Int32Array } | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Waiting>();

  /** `claimSlots` is for tests, which run out of slots on purpose. */
  constructor(private readonly claimSlots = CLAIM_SLOTS) {}

  /** Starts the worker now, so its start-up overlaps other work instead of the first listing. */
  warmUp(): void {
    this.start();
  }

  /**
   * Lists `folder`, with the first `headBytes` bytes of each file when more than 0, and with `headMd5s`
   * the MD5s of those heads that the worker has time for (see list-folder.mjs); undefined in the
   * rare case that the request's slot is still held by a request the worker has not reached.
   */
  list(folder: string, headBytes = 0, headMd5s = false): ListingRequest | undefined {
    const { thread, replies, claims } = this.start();
    const id = this.nextId;
    const slot = id % this.claimSlots;
    // The slot holds a pending id only while that earlier request is open (neither claimed by the
    // worker nor withdrawn, both of which write a negative state over it): overwritten, the worker
    // would skip that request and its listing never settle. This one is refused instead.
    if (this.pending.has(Atomics.load(claims, slot))) return undefined;
    this.nextId++;
    Atomics.store(claims, slot, id);
    if (this.pending.size === 0) {
      thread.ref();
      replies.ref();
    }
    let waiting: Omit<Waiting, 'request'> | undefined;
    const listing = new Promise<FolderListing>((resolve, reject) => {
      waiting = { resolve, reject };
    });
    const request: ListingRequest = { id, listing, settled: false };
    this.pending.set(id, { request, ...waiting! });
    thread.postMessage({ id, folder, headBytes, headMd5s });
    return request;
  }

  /**
   * Takes back a request the worker has not started, to list its folder on this thread instead: true
   * if it was taken back, and its listing then never settles.
   */
  withdraw({ id }: ListingRequest): boolean {
    const claims = this.worker?.claims;
    if (!claims || !this.pending.has(id)) return false;
    if (Atomics.compareExchange(claims, id % this.claimSlots, id, WITHDRAWN) !== id) return false;
    this.pending.delete(id);
    this.unrefWhenIdle();
    return true;
  }

  /** Takes in the replies that have arrived, settling their requests now. */
  collect(): void {
    const replies = this.worker?.replies;
    if (!replies) return;
    for (let reply = receiveMessageOnPort(replies); reply; reply = receiveMessageOnPort(replies))
      this.receive(reply.message as Reply);
  }

  /**
   * Hands a listing's heads buffer back to the worker to fill again. Every view of it is emptied:
   * call this only once nothing reads those heads any more.
   */
  recycle(heads: Uint8Array): void {
    if (!this.worker || heads.buffer.byteLength === 0 || !(heads.buffer instanceof ArrayBuffer)) return;
    this.worker.thread.postMessage({ spare: heads.buffer }, [heads.buffer]);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failPending(new Error('the local source was closed'));
    worker?.replies.close();
    await worker?.thread.terminate();
  }

  private receive(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    this.unrefWhenIdle();
    markSettled(waiting.request);
    if ('listing' in reply) waiting.resolve(withNames(reply.listing, reply.names));
    else waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
  }

  private unrefWhenIdle(): void {
    if (this.pending.size > 0) return;
    this.worker?.thread.unref();
    this.worker?.replies.unref();
  }

  private failPending(error: Error): void {
    for (const waiting of this.pending.values()) {
      markSettled(waiting.request);
      waiting.reject(error);
    }
    this.pending.clear();
  }

  private start(): { thread: Worker; replies: MessagePort; claims: Int32Array } {
    if (this.worker) return this.worker;
    const { port1: replies, port2: workerSide } = new MessageChannel();
    const claims = new Int32Array(new SharedArrayBuffer(this.claimSlots * 4)).fill(WITHDRAWN);
    const thread = new Worker(WORKER_URL, {
      workerData: { role: LISTING_WORKER, replies: workerSide, claims, claimSlots: this.claimSlots },
      transferList: [workerSide],
    });
    const worker = { thread, replies, claims };
    replies.on('message', (reply: Reply) => this.receive(reply));
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      replies.close();
      this.failPending(error);
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`folder-listing worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the port again.
    thread.unref();
    replies.unref();
    this.worker = worker;
    return worker;
  }
}

/**
 * A listing from the worker, its `names` split from the text they crossed as (NUL never occurs in a
 * file name) when first read: the window keeps many listings waiting, each as one string until then.
 */
function withNames(listing: Omit<FolderListing, 'names'>, joined: string): FolderListing {
  let names: string[] | undefined;
  return Object.defineProperty(listing, 'names', {
    get: () => {
      names ??= listing.kinds.length === 0 ? [] : joined.split('\0');
      return names;
    },
    enumerable: true,
  }) as FolderListing;
}

/** Marks a request's reply as in; only the lister does (the field is read-only to everyone else). */
function markSettled(request: ListingRequest): void {
  (request as { settled: boolean }).settled = true;
}
