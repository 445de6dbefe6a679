import { PhotolalaError } from '../source/errors.js';
import { reportDiskFull } from './disk-full.js';

/**
 * The catalog's writes, one at a time in the order asked: a reader never sees a half-applied scan,
 * and a star made during a scan lands after it. A failure of one task does not stop the next.
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** @param workFile the working database's file, named when a write fails for a full disk */
  constructor(private readonly workFile: () => string) {}

  get isClosed(): boolean {
    return this.closed;
  }

  enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new PhotolalaError('INVALID_ARGUMENT', 'the catalog is closed', { backend: 'catalog' }),
      );
    const run = this.tail.then(work, work).catch((error: unknown) => {
      throw reportDiskFull(error, this.workFile());
    });
    this.tail = run.catch(() => {});
    return run;
  }

  /** Takes no more tasks; the promise settles when the ones queued are done. */
  close(): Promise<unknown> {
    this.closed = true;
    return this.tail;
  }
}
