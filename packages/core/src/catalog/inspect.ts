import { describeError } from '../source/errors.js';
import { snapshotFileName } from './pointer.js';
import type { SnapshotStore, StoreName } from './snapshot-store.js';

/** One snapshot a pointer names, as `inspectStores` found it. */
export interface SnapshotReport {
  catalogMd5: string;
  location: string;
  /** `ok`: exists and hashes to its name. */
  state: 'ok' | 'missing' | 'hash-mismatch' | 'unreadable';
  size?: number;
  detail?: string;
}

/** A store's pointer and the snapshots it names (`Catalog.inspectSnapshots`, `photolala verify`). */
export interface StoreReport {
  store: StoreName;
  /** Pointer lines (valid ones only); undefined when there is no pointer. */
  pointer: string[] | undefined;
  pointerProblem?: string;
  snapshots: SnapshotReport[];
}

/** Reads both pointers and checks every snapshot they name, without opening any of them. */
export async function inspectStores(stores: SnapshotStore[], maxBytes: number): Promise<StoreReport[]> {
  const reports: StoreReport[] = [];
  for (const store of stores) {
    const report: StoreReport = { store: store.name, pointer: undefined, snapshots: [] };
    try {
      report.pointer = await store.readPointer();
      if (report.pointer === undefined) report.pointerProblem = 'no pointer file';
      else if (report.pointer.length === 0) report.pointerProblem = 'pointer names no valid catalog-md5';
    } catch (error) {
      report.pointerProblem = `unreadable: ${describeError(error)}`;
    }
    for (const md5 of report.pointer ?? []) {
      const location = store.locate(snapshotFileName(md5));
      try {
        // Hashed as it streams, never held in memory whole.
        const copy = await store.copySnapshot(md5, undefined, maxBytes);
        if (!copy) report.snapshots.push({ catalogMd5: md5, location, state: 'missing' });
        else
          report.snapshots.push({
            catalogMd5: md5,
            location,
            state: copy.md5 === md5 ? 'ok' : 'hash-mismatch',
            size: copy.size,
          });
      } catch (error) {
        report.snapshots.push({
          catalogMd5: md5,
          location,
          state: 'unreadable',
          detail: describeError(error),
        });
      }
    }
    reports.push(report);
  }
  return reports;
}
