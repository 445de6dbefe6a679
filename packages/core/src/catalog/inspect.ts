import { describeError } from '../errors.js';
import { md5Hex } from '../identity.js';
import { snapshotFileName } from './pointer.js';
import type { SnapshotStore, StoreName } from './snapshot-store.js';

export interface SnapshotReport {
  catalogMd5: string;
  location: string;
  /** `ok`: exists and hashes to its name. */
  state: 'ok' | 'missing' | 'hash-mismatch' | 'unreadable';
  size?: number;
  detail?: string;
}

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
        const bytes = await store.readSnapshot(md5, maxBytes);
        if (!bytes) report.snapshots.push({ catalogMd5: md5, location, state: 'missing' });
        else if (md5Hex(bytes) !== md5)
          report.snapshots.push({ catalogMd5: md5, location, state: 'hash-mismatch', size: bytes.length });
        else report.snapshots.push({ catalogMd5: md5, location, state: 'ok', size: bytes.length });
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
