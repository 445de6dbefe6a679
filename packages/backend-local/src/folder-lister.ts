import { Worker } from 'node:worker_threads';

import {
  FILE,
  FOLDER,
  type FolderListing,
  GONE,
  LINK,
  LISTING_WORKER,
  OTHER,
} from '../worker/list-folder.mjs';

export { type FolderListing, listFolder } from '../worker/list-folder.mjs';

/** Entry kinds in a listing. */
export const EntryKind = { other: OTHER, file: FILE, folder: FOLDER, link: LINK, gone: GONE } as const;

const WORKER_URL = new URL('../worker/list-folder.mjs', import.meta.url);

type Reply =
  | { id: number; listing: FolderListing }
  | { id: number; error: { code?: string; message: string } };

type Waiting = { resolve(listing: FolderListing): void; reject(error: Error): void };

/**
 * Lists folders in a worker thread, started on first use (or `warmUp`) and kept for later scans.
 * One worker: on a two-core machine a second one only competes with the thread that compares the
 * listings (measured slower). The worker does not keep the process alive while it owes nothing, and
 * a crashed worker fails what it owed and is started again on the next call.
 */
export class FolderLister {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Waiting>();

  /** Starts the worker now, so its start-up overlaps other work instead of the first listing. */
  warmUp(): void {
    this.start();
  }

  /** Lists `folder`, with the first `headBytes` bytes of each file when more than 0. */
  list(folder: string, headBytes = 0): Promise<FolderListing> {
    const worker = this.start();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, folder, headBytes });
    });
  }

  /**
   * Hands a listing's heads buffer back to the worker to fill again. Every view of it is emptied:
   * call this only once nothing reads those heads any more.
   */
  recycle(heads: Uint8Array): void {
    if (!this.worker || heads.buffer.byteLength === 0 || !(heads.buffer instanceof ArrayBuffer)) return;
    this.worker.postMessage({ spare: heads.buffer }, [heads.buffer]);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failPending(new Error('the local source was closed'));
    await worker?.terminate();
  }

  private failPending(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL, { workerData: LISTING_WORKER });
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('listing' in reply) waiting.resolve(reply.listing);
      else waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failPending(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`folder-listing worker exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
