import nodePath from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';

/** The lock file in a root's mirror folder; it holds no data. */
export const LOCK_FILE = '.photolala.lock';

/**
 * Runs `work` holding the lock of a root's mirror folder, so that processes of one machine publish
 * the root's catalog one at a time: each then finds the snapshot the last one published and merges
 * its own changes onto it (see Catalog.publish). The lock is an exclusive SQLite transaction on a file
 * of its own, that is an OS file lock, which the system drops when its process ends, SIGKILL
 * included: a crashed process never leaves a lock to wait out, as a lock file would. Waiting polls
 * without blocking the event loop (the process's other catalogs go on working).
 */
export async function withMirrorLock<T>(mirrorDir: string, work: () => Promise<T>): Promise<T> {
  const db = new Database(nodePath.join(mirrorDir, LOCK_FILE), { timeout: 0 });
  try {
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      try {
        db.exec('BEGIN EXCLUSIVE');
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
        await sleep(wait + Math.random() * wait);
      }
    }
    try {
      return await work();
    } finally {
      db.exec('ROLLBACK');
    }
  } finally {
    db.close();
  }
}
