import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import type { Readable } from 'node:stream';
import {
  defineRootSource,
  destroyOnAbort,
  type EnumerateOptions,
  guardSource,
  openRegularFile,
  PhotolalaError,
  parseRootUri,
  type ReadOptions,
  type RootSource,
  type SourceEntry,
  type SourceListing,
  writeFileAtomic,
} from '@photolala/core/backend';
import type { z } from 'zod';
import { BACKEND, localErrors } from './errors.js';
import { readableFile, readHeadSync } from './file-reading.js';
import { FolderLister } from './folder-lister.js';
import { walkLocalRoot } from './local-walk.js';

const optionsSchema = (zod: typeof z) =>
  zod.object({
    /** The root folder: a path or a `file://` URI. */
    root: zod.string().min(1),
    /** Treat the folder as read-only even when the file system would allow writes. */
    readOnly: zod.boolean().optional(),
    /**
     * The file system's mtime granularity in ms. Detected for FAT and CIFS/SMB mounts (2000); set it
     * for others with coarse timestamps that statfs does not reveal (some FUSE and NFS mounts).
     */
    mtimeResolutionMs: zod.number().int().min(1).max(60_000).optional(),
  });

export type LocalSourceOptions = z.input<ReturnType<typeof optionsSchema>>;

/**
 * The options, checked. Every command opens its root here, and zod's loading is a large part of a
 * short command's start-up: options that are plainly good pass without it, and zod is loaded only
 * to reject the others with its usual message.
 */
async function checkedOptions(options: LocalSourceOptions): Promise<LocalSourceOptions> {
  const { root, readOnly, mtimeResolutionMs } = (options ?? {}) as Record<string, unknown>;
  const plainlyGood =
    typeof root === 'string' &&
    root !== '' &&
    (readOnly === undefined || typeof readOnly === 'boolean') &&
    (mtimeResolutionMs === undefined ||
      (typeof mtimeResolutionMs === 'number' &&
        Number.isSafeInteger(mtimeResolutionMs) &&
        mtimeResolutionMs >= 1 &&
        mtimeResolutionMs <= 60_000));
  if (plainlyGood) return { root, readOnly, mtimeResolutionMs };
  const { z: zod } = await import('zod');
  return optionsSchema(zod).parse(options);
}

// statfs magic numbers of file systems whose mtimes are only good to 2 s (FAT) or that a network
// client may round (SMB/CIFS). Change detection must not trust their mtimes to the millisecond.
const COARSE_MTIME_FILESYSTEMS = new Set([0x4d44, 0x2011bab0, 0xfe534d42, 0xff534d42, 0x517b]);

/**
 * A `RootSource` over a local or mounted folder. Enumeration walks one folder at a time (see
 * walkLocalRoot); reads are of regular files only, inside the root; writes go through a temp file
 * renamed over the target.
 */
export async function createLocalSource(options: LocalSourceOptions): Promise<RootSource> {
  const { root, readOnly, mtimeResolutionMs } = await checkedOptions(options);
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
    throw localErrors.wrap(error, rootDir, 'open root folder');
  }
  let coarse = false;
  try {
    coarse = COARSE_MTIME_FILESYSTEMS.has(Number((await fsp.statfs(realRoot)).type));
  } catch {
    // statfs is missing on some platforms; assume a fine-grained local file system.
  }

  const isInsideRoot = (real: string) => real === realRoot || real.startsWith(realRoot + nodePath.sep);
  const resolvedRoot = nodePath.resolve(rootDir);
  const rootPrefix = resolvedRoot.endsWith(nodePath.sep) ? resolvedRoot : resolvedRoot + nodePath.sep;
  /** Where a relative path is on disk: guardSource has validated it, so it cannot leave the root. */
  const onDisk = (rel: string) =>
    rootPrefix + (nodePath.sep === '/' ? rel : rel.replaceAll('/', nodePath.sep));

  /**
   * The on-disk name of a relative path. Files written on macOS or by other tools may be stored in
   * NFD; when the NFC name is not found, match each segment by its normalised form.
   */
  async function locate(rel: string): Promise<string> {
    const direct = onDisk(rel);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII test
    if (/^[\u0000-\u007f]*$/.test(rel)) return direct;
    try {
      await fsp.lstat(direct);
      return direct;
    } catch {
      let current = rootDir;
      for (const segment of rel.split('/')) {
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
  const walkRoot = { rootDir, isInsideRoot };

  /** The walk's batches, one per folder with files; the lister closes when no walk needs it. */
  async function* walkBatches(options: EnumerateOptions): AsyncGenerator<SourceEntry[]> {
    walks++;
    try {
      yield* walkLocalRoot(walkRoot, lister, options);
    } finally {
      if (--walks === 0) await lister.close();
    }
  }

  /** Folder by folder from the walk, entry by entry to the caller: delegating with `yield*` cost a third more per entry. */
  async function* entriesOf(options: EnumerateOptions): AsyncGenerator<SourceEntry> {
    for await (const batch of walkBatches(options)) for (const entry of batch) yield entry;
  }

  function enumerate(options: EnumerateOptions = {}): SourceListing {
    return {
      [Symbol.asyncIterator]: () => entriesOf(options)[Symbol.asyncIterator](),
      // The walk finds a folder's files at once: a caller that takes them so skips a step per file.
      batches: () => walkBatches(options),
    };
  }

  async function readHead(rel: string, bytes: number, options: ReadOptions = {}): Promise<Buffer> {
    const file = await locate(rel);
    // The read itself takes microseconds: only one asked for after the abort is refused.
    options.signal?.throwIfAborted();
    return readHeadSync(file, rel, bytes);
  }

  async function readAll(rel: string, options: ReadOptions = {}): Promise<Readable> {
    const file = await locate(rel);
    options.signal?.throwIfAborted();
    // Reading the whole file is the expensive path anyway, so one realpath to be sure a link
    // planted in the root does not lead outside it is cheap.
    const real = await fsp.realpath(file);
    if (!isInsideRoot(real)) {
      throw new PhotolalaError('INVALID_PATH', `${JSON.stringify(rel)} leads outside the root`, {
        backend: BACKEND,
        path: rel,
      });
    }
    const { handle, size } = await openRegularFile(real, BACKEND, rel);
    return destroyOnAbort(readableFile(handle, size), options.signal);
  }

  const writeAtomic = (rel: string, data: Uint8Array | { copyOf: string }) =>
    writeFileAtomic(onDisk(rel), data);

  async function stat(rel: string): Promise<SourceEntry | undefined> {
    const info = await fsp.stat(await locate(rel));
    return info.isFile() ? { path: rel, size: info.size, mtimeMs: Math.floor(info.mtimeMs) } : undefined;
  }

  const source = defineRootSource(
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
          async writeAtomicFromFile(rel, localFile, onBytes) {
            await writeAtomic(rel, { copyOf: localFile });
            if (onBytes) onBytes((await fsp.stat(localFile)).size);
          },
          remove: async (rel) => fsp.rm(await locate(rel), { force: true }),
        },
  );
  return guardSource(source, localErrors);
}
