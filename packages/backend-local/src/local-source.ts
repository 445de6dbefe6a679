import { closeSync, promises as fsp, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import nodePath from 'node:path';
import { Readable } from 'node:stream';
import {
  defineRootSource,
  destroyOnAbort,
  type EnumerateOptions,
  fromSystemError,
  joinRelative,
  notRegularFile,
  OPEN_FOR_READING,
  openRegularFile,
  PhotolalaError,
  parseRootUri,
  type ReadOptions,
  type RootSource,
  resolveInside,
  type SourceEntry,
  specialFileKind,
  TEMP_FILE_PREFIX,
  validateRelativePath,
  writeFileAtomic,
} from '@photolala/core/backend';
import { z } from 'zod';
import { EntryKind, FolderLister, type FolderListing } from './folder-lister.js';
import { ListingWindow } from './listing-window.js';

const BACKEND = 'local';

/** A camera photo arrives in one read; a large snapshot in steps of this size. */
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
/** Reads past the size a file had when opened: nearly always empty, so small. */
const GROWTH_PROBE_BYTES = 64 * 1024;

/**
 * A file's bytes: the `size` it had when opened, in chunks of up to {@link MAX_CHUNK_BYTES}, then
 * anything written since, so that a reader can tell a file that grew. Node's read stream would
 * allocate one more chunk-sized buffer just to find the end, which for a folder of camera photos
 * doubled the memory allocated and the garbage collections that set off.
 */
async function* fileChunks(handle: fsp.FileHandle, size: number): AsyncGenerator<Buffer> {
  let position = 0;
  while (position < size) {
    const chunk = Buffer.allocUnsafeSlow(Math.min(size - position, MAX_CHUNK_BYTES));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    // Shrunk since it was opened: the reader sees the bytes missing.
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
  }
  for (;;) {
    const more = Buffer.allocUnsafe(GROWTH_PROBE_BYTES);
    const { bytesRead } = await handle.read(more, 0, more.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield more.subarray(0, bytesRead);
  }
}

/**
 * A readable stream of the open file of `size` bytes, which closes the file when it ends or is
 * destroyed.
 */
function readableFile(handle: fsp.FileHandle, size: number): Readable {
  const stream = Readable.from(fileChunks(handle, size), { objectMode: false });
  // On 'close', not in the generator: a stream destroyed before its first read never runs it.
  stream.once('close', () => {
    handle.close().catch(() => {});
  });
  return stream;
}

const localSourceOptions = z.object({
  /** The root folder: a path or a `file://` URI. */
  root: z.string().min(1),
  /** Treat the folder as read-only even when the file system would allow writes. */
  readOnly: z.boolean().optional(),
  /**
   * The file system's mtime granularity in ms. Detected for FAT and CIFS/SMB mounts (2000); set it
   * for others with coarse timestamps that statfs does not reveal (some FUSE and NFS mounts).
   */
  mtimeResolutionMs: z.number().int().min(1).max(60_000).optional(),
});

export type LocalSourceOptions = z.input<typeof localSourceOptions>;

// statfs magic numbers of file systems whose mtimes are only good to 2 s (FAT) or that a network
// client may round (SMB/CIFS). Change detection must not trust their mtimes to the millisecond.
const COARSE_MTIME_FILESYSTEMS = new Set([0x4d44, 0x2011bab0, 0xfe534d42, 0xff534d42, 0x517b]);

/**
 * A `RootSource` over a local or mounted folder.
 *
 * Enumeration walks one folder at a time with synchronous `readdir`/`stat` calls: per-file promises
 * cost more than the system calls themselves (about 4x slower on 100k files), and yielding between
 * folders keeps the event loop responsive.
 */
export async function createLocalSource(options: LocalSourceOptions): Promise<RootSource> {
  const { root, readOnly, mtimeResolutionMs } = localSourceOptions.parse(options);
  const location = parseRootUri(root);
  if (location.scheme !== 'file' && location.scheme !== 'apple-photos') {
    throw new PhotolalaError('INVALID_ARGUMENT', `not a local folder: ${root}`, {
      backend: BACKEND,
      path: root,
    });
  }
  const rootDir = location.path;
  let realRoot: string;
  try {
    const info = await fsp.stat(rootDir);
    if (!info.isDirectory()) {
      throw new PhotolalaError('INVALID_ARGUMENT', `root is not a folder: ${rootDir}`, {
        backend: BACKEND,
        path: rootDir,
      });
    }
    realRoot = await fsp.realpath(rootDir);
  } catch (error) {
    throw fromSystemError(error, BACKEND, rootDir, 'open root folder');
  }
  let coarse = false;
  try {
    coarse = COARSE_MTIME_FILESYSTEMS.has(Number((await fsp.statfs(realRoot)).type));
  } catch {
    // statfs is missing on some platforms; assume a fine-grained local file system.
  }

  const isInsideRoot = (real: string) => real === realRoot || real.startsWith(realRoot + nodePath.sep);

  /**
   * The on-disk name of a validated NFC path. Files written on macOS or by other tools may be stored
   * in NFD; when the NFC name is not found, match each segment by its normalised form.
   */
  async function locate(relativePath: string): Promise<string> {
    const direct = resolveInside(rootDir, relativePath, BACKEND);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII test
    if (/^[\u0000-\u007f]*$/.test(relativePath)) return direct;
    try {
      await fsp.lstat(direct);
      return direct;
    } catch {
      let current = rootDir;
      for (const segment of relativePath.split('/')) {
        let names: string[];
        try {
          names = await fsp.readdir(current);
        } catch {
          return direct;
        }
        const found = names.find((n) => n.normalize('NFC') === segment);
        if (!found) return direct;
        current = nodePath.join(current, found);
      }
      return current;
    }
  }

  // The listing worker starts during a walk's first folders (see ListingWindow) and stops when no walk
  // needs it, so its memory (20-40 MB after 100k files) is not held through the digest that follows
  // a walk; the next walk starts another. A source used only to read files never starts one.
  const lister = new FolderLister();
  let walks = 0;

  async function* enumerate(options: EnumerateOptions = {}): AsyncGenerator<SourceEntry> {
    walks++;
    try {
      // Folder by folder from the walk, entry by entry to the caller: delegating with `yield*` cost a
      // third more per entry.
      for await (const batch of walk(options)) for (const entry of batch) yield entry;
    } finally {
      if (--walks === 0) await lister.close();
    }
  }

  /** The walk itself: one batch of entries per folder. */
  async function* walk(options: EnumerateOptions): AsyncGenerator<SourceEntry[]> {
    const { filter, onIssue, signal, tempFiles } = options;
    const report = (path: string, error: unknown, action: string) =>
      onIssue?.({ path, error: fromSystemError(error, BACKEND, path, action) });
    // Folders already walked, by device and inode: a link loop or two links to one folder are walked once.
    const visited = new Set<string>();
    try {
      const info = statSync(rootDir);
      visited.add(`${info.dev}:${info.ino}`);
    } catch (error) {
      throw fromSystemError(error, BACKEND, rootDir, 'read root folder');
    }
    const window = new ListingWindow(lister, options.headBytes);
    window.found({ abs: rootDir, rel: '' });
    window.fill();
    for (let next = window.next(); next; next = window.next()) {
      if (signal?.aborted) return;
      const { folder, listing: pending } = next;
      let listing: FolderListing;
      try {
        listing = await pending;
      } catch (error) {
        if (folder.rel === '') throw fromSystemError(error, BACKEND, rootDir, 'read root folder');
        report(folder.rel, error, 'read folder');
        window.fill();
        continue;
      }
      const failedStats = new Map(listing.errors.map((e) => [e.index, e]));
      const batch: SourceEntry[] = [];
      for (let i = 0; i < listing.names.length; i++) {
        const rawName = listing.names[i]!;
        const name = rawName.normalize('NFC');
        const childRel = joinRelative(folder.rel, name);
        const childAbs = () => nodePath.join(folder.abs, rawName);
        let kind = listing.kinds[i];
        let folderId = listing.folderIds[i] ?? null;
        const failed = failedStats.get(i);
        if (kind === EntryKind.gone) {
          // Node decodes names as UTF-8, so a name in another encoding (a Latin-1 "café" from an old
          // camera or share) arrives with U+FFFD in place of its bytes and names no file: stat says
          // ENOENT, as for a file deleted meanwhile. Paths are text throughout the contract, so such
          // a file cannot be cataloged; it is reported rather than silently left out.
          if (rawName.includes('\uFFFD')) report(childRel, undecodableName(childRel), 'list folder');
          continue;
        }
        if (kind === EntryKind.link) {
          const target = followLink(childAbs(), childRel);
          if (!target) continue;
          kind = target.isDirectory() ? EntryKind.folder : target.isFile() ? EntryKind.file : EntryKind.other;
          folderId = `${target.dev}:${target.ino}`;
          if (kind === EntryKind.file) {
            listing.sizes[i] = target.size;
            listing.mtimes[i] = Math.floor(target.mtimeMs);
          }
        }
        if (kind === EntryKind.folder) {
          if (filter && !filter.directory(name, childRel)) continue;
          if (failed) {
            report(childRel, failed, 'stat folder');
            continue;
          }
          if (folderId === null || visited.has(folderId)) continue;
          visited.add(folderId);
          window.found({ abs: childAbs(), rel: childRel });
        } else if (kind === EntryKind.other) {
          if (name.startsWith(TEMP_FILE_PREFIX) || (filter && !filter.file(name, childRel))) continue;
          // A FIFO, socket or device is never read (opening a FIFO to read waits for a writer), but
          // said, not silently left out: it may stand where a photo was.
          const what = specialKindOf(childAbs());
          if (what)
            onIssue?.({ path: childRel, error: notRegularFile(what, BACKEND, childRel), skipped: true });
        } else if (kind === EntryKind.file) {
          if (name.startsWith(TEMP_FILE_PREFIX) && !tempFiles) continue;
          if (filter && !filter.file(name, childRel)) continue;
          if (failed) report(childRel, failed, 'stat file');
          else {
            batch.push({
              path: childRel,
              size: listing.sizes[i]!,
              mtimeMs: listing.mtimes[i]!,
              head: window.headOf(listing, i),
            });
          }
        }
      }
      window.fill();
      if (batch.length > 0) yield batch;
      // The caller has asked for the entry after this folder's last: its heads are spent.
      window.spent(listing);
    }

    /** What the special file at `abs` is (a link followed), or undefined if it is gone or regular now. */
    function specialKindOf(abs: string) {
      try {
        const info = statSync(abs, { throwIfNoEntry: false });
        return info && specialFileKind(info);
      } catch {
        return 'a special file';
      }
    }

    function undecodableName(childRel: string) {
      return new PhotolalaError(
        'INVALID_PATH',
        'the name is not valid UTF-8 (shown with \uFFFD for the bytes that are not); rename it to catalog it',
        { backend: BACKEND, path: childRel },
      );
    }

    /** The target of a link inside the root, or undefined (reported) for one leading outside or broken. */
    function followLink(childAbs: string, childRel: string) {
      try {
        const real = nodePath.resolve(realpathSync(childAbs));
        if (!isInsideRoot(real)) {
          report(
            childRel,
            new PhotolalaError('INVALID_PATH', 'symbolic link leads outside the root', {
              backend: BACKEND,
              path: childRel,
            }),
            'follow link',
          );
          return undefined;
        }
        return statSync(real);
      } catch (error) {
        report(childRel, error, 'follow link');
        return undefined;
      }
    }
  }

  async function readHead(path: string, bytes: number, options: ReadOptions = {}): Promise<Buffer> {
    const file = await locate(path);
    // The read itself takes microseconds: only one asked for after the abort is refused.
    options.signal?.throwIfAborted();
    // Synchronous on purpose: a head read on a local disk takes microseconds, while the promise
    // version costs three thread-pool round trips per file and is several times slower on 100k files.
    let fd: number | undefined;
    try {
      // Without blocking, and checked on the open file: a photo swapped for a FIFO since it was
      // listed would otherwise block this thread, beyond the reach of any signal handler.
      fd = openSync(file, OPEN_FOR_READING);
      const kind = specialFileKind(fstatSync(fd));
      if (kind) throw notRegularFile(kind, BACKEND, path);
      const buffer = Buffer.allocUnsafe(bytes);
      let filled = 0;
      // One read normally; loop only for the rare short read.
      while (filled < bytes) {
        const read = readSync(fd, buffer, filled, bytes - filled, filled);
        if (read === 0) break;
        filled += read;
      }
      return filled === bytes ? buffer : Buffer.from(buffer.subarray(0, filled));
    } catch (error) {
      throw fromSystemError(error, BACKEND, path, 'read');
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  async function readAll(path: string, options: ReadOptions = {}): Promise<Readable> {
    const file = await locate(path);
    options.signal?.throwIfAborted();
    try {
      // Reading the whole file is the expensive path anyway, so one realpath to be sure a link
      // planted in the root does not lead outside it is cheap.
      const real = await fsp.realpath(file);
      if (!isInsideRoot(real)) {
        throw new PhotolalaError('INVALID_PATH', `${JSON.stringify(path)} leads outside the root`, {
          backend: BACKEND,
          path,
        });
      }
      const { handle, size } = await openRegularFile(real, BACKEND, path);
      return destroyOnAbort(readableFile(handle, size), options.signal);
    } catch (error) {
      throw fromSystemError(error, BACKEND, path, 'read');
    }
  }

  async function writeAtomic(path: string, data: Uint8Array | { copyOf: string }): Promise<void> {
    const target = resolveInside(rootDir, path, BACKEND);
    try {
      await writeFileAtomic(target, data);
    } catch (error) {
      throw fromSystemError(error, BACKEND, path, 'write');
    }
  }

  async function remove(path: string): Promise<void> {
    const file = await locate(path);
    try {
      await fsp.rm(file, { force: true });
    } catch (error) {
      throw fromSystemError(error, BACKEND, path, 'remove');
    }
  }

  async function stat(path: string): Promise<SourceEntry | undefined> {
    const rel = validateRelativePath(path, BACKEND);
    try {
      const info = await fsp.stat(await locate(rel));
      return info.isFile() ? { path: rel, size: info.size, mtimeMs: Math.floor(info.mtimeMs) } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fromSystemError(error, BACKEND, path, 'stat');
    }
  }

  return defineRootSource(
    {
      backend: BACKEND,
      uri: location.uri,
      capabilities: {
        etags: false,
        mtimeResolutionMs: mtimeResolutionMs ?? (coarse ? 2000 : 1),
        remote: false,
      },
      enumerate,
      readHead,
      readAll,
      stat,
      close: () => lister.close(),
    },
    readOnly
      ? undefined
      : {
          writeAtomic,
          // Copied in the kernel, fast: told once, at the end.
          async writeAtomicFromFile(path, localFile, onBytes) {
            await writeAtomic(path, { copyOf: localFile });
            if (onBytes) onBytes((await fsp.stat(localFile)).size);
          },
          remove,
        },
  );
}
