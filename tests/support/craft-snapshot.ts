import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PhotoCache, type RootSource } from '@photolala/core';
import { md5Hex, POINTER_FILE, parsePointer, snapshotFileName } from '@photolala/core/internals';
import Database from 'better-sqlite3';
import { tempDir } from './fs.js';

async function readText(source: RootSource, file: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await source.readAll(file)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Replaces a root's catalog with an edited copy of its newest snapshot, named by its own MD5 as a
 * real one is, so that it verifies: `edit` changes the copy's rows. Afterwards the root and the cache
 * mirror hold the copy alone (the snapshots the pointer named are removed), and both pointers name only it. Returns the copy's catalog-md5.
 * With `keepOlder`, the snapshots the pointer named stay, named after the copy: what a catalog falls
 * back to when it refuses the copy.
 */
export async function replaceSnapshot(
  source: RootSource,
  cacheDir: string,
  edit: (db: Database.Database) => void,
  { keepOlder = false }: { keepOlder?: boolean } = {},
): Promise<string> {
  const mirror = new PhotoCache(cacheDir).mirrorDir(source.uri);
  const named = parsePointer(await readText(source, POINTER_FILE));
  const old = named[0];
  if (!old) throw new Error(`${source.uri} has no catalog to replace`);
  const work = await tempDir('craft');
  const copy = path.join(work, 'copy.sqlite');
  await copyFile(path.join(mirror, snapshotFileName(old)), copy);
  const db = new Database(copy);
  try {
    edit(db);
  } finally {
    db.close();
  }
  const bytes = await readFile(copy);
  await rm(work, { recursive: true, force: true });
  const md5 = md5Hex(bytes);
  await source.writeAtomic!(snapshotFileName(md5), bytes);
  const pointer = `${[md5, ...(keepOlder ? named : [])].join('\n')}\n`;
  await source.writeAtomic!(POINTER_FILE, Buffer.from(pointer));
  await writeFile(path.join(mirror, snapshotFileName(md5)), bytes);
  await writeFile(path.join(mirror, POINTER_FILE), pointer);
  if (keepOlder) return md5;
  for (const other of named.filter((m) => m !== md5)) {
    await source.remove!(snapshotFileName(other));
    await rm(path.join(mirror, snapshotFileName(other)), { force: true });
  }
  return md5;
}

/**
 * What `read` takes from a root's newest snapshot (the first its pointer names), opened read-only,
 * with its catalog-md5, its file and its schema version.
 */
export async function readNewestSnapshot<T extends object>(
  root: string,
  read: (db: Database.Database) => T,
): Promise<T & { md5: string; file: string; version: unknown }> {
  const [md5] = parsePointer(await readFile(path.join(root, POINTER_FILE), 'utf8'));
  if (!md5) throw new Error(`${root} has no catalog`);
  const file = path.join(root, snapshotFileName(md5));
  const db = new Database(file, { readonly: true });
  try {
    const version = db.prepare(`SELECT value FROM version WHERE key = 'schema_version'`).pluck().get();
    return { ...read(db), md5, file, version };
  } finally {
    db.close();
  }
}
