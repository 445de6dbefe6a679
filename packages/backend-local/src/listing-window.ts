import {
  EntryKind,
  type FolderLister,
  type FolderListing,
  type ListingRequest,
  listFolder,
} from './folder-lister.js';

/**
 * Folder listings asked of the worker ahead of the one being read, so it keeps working while the
 * walking thread is busy (building the catalog's stat index takes 100-150 ms at the start of a rescan
 * of 100k files: 512 listings ahead made the rescan about 10% faster than 128). Fewer when folders
 * hold many files: about ENTRIES_AHEAD files at the average so far (in-thread listings give the first
 * average before the worker is asked for anything), so memory stays bounded.
 */
const LISTINGS_IN_FLIGHT = 512;
const ENTRIES_AHEAD = 50_000;

/**
 * With heads read along, the window is bounded by their bytes too. 4 MiB (1,024 heads of 4 KiB)
 * keeps the worker as busy as more does; measured on a first scan of 100k files, a 16 MiB window
 * added 50 MB to the peak RSS and 64 MiB added 120 MB, for no speed.
 */
const HEAD_BYTES_AHEAD = 4 * 1024 * 1024;

/** Larger heads are not read along with the listing; the caller reads them with `readHead`. */
const MAX_LISTED_HEAD_BYTES = 1024 * 1024;

/**
 * Entries listed on the calling thread before the walk turns to the worker: a card of 40 photos is
 * walked in a millisecond, while waiting for a worker to start took 50-100 ms on a busy machine.
 */
const LISTED_IN_THREAD = 2_000;

/**
 * Entries listed on the calling thread before the worker is started, so that it boots while the rest
 * of LISTED_IN_THREAD is listed; a card of a few hundred photos never starts it. Started with the
 * source instead, its boot took 5-15 ms from opening a catalog that was only read, and 20 ms of CPU
 * from the digest of a 40-photo card.
 */
const WARM_UP_AFTER = 500;

/**
 * Head buffers of folders this thread listed itself, kept once spent for the next it lists (the
 * worker's go back to the worker): a new buffer per folder costs a page fault per 4 KiB, which added
 * a fifth to the CPU time of listing 100k files with their heads.
 */
const SPARE_HEAD_BUFFERS = 2;

export interface Folder {
  abs: string;
  rel: string;
}

/**
 * The listings of one walk: folders found but not yet asked for (depth first, so the list stays
 * short), and those asked for, handed out in the order they were asked. The first few are listed on
 * this thread, the rest by the worker, a bounded window ahead; this thread lists folders itself
 * whenever the worker is behind (see `next`).
 */
export class ListingWindow {
  private readonly toList: Folder[] = [];
  private readonly inFlight: { folder: Folder; request: ListingRequest }[] = [];
  private readonly entriesAhead: number;
  private listedFiles = 0;
  private listedFolders = 0;
  private listedInThread = 0;

  /** Leading bytes of each file read along with its folder; 0 for none. */
  private readonly headBytes: number;

  /** Whether the heads' MD5s are computed along with them. */
  private readonly headMd5s: boolean;

  /** See SPARE_HEAD_BUFFERS and `spent`: the head buffers made here, and those of them spent. */
  private readonly ownHeads = new WeakSet<ArrayBuffer>();
  private readonly spareHeads: ArrayBuffer[] = [];

  /**
   * `askedHeadBytes` is `EnumerateOptions.headBytes`: heads are read along only for a whole number
   * of bytes up to MAX_LISTED_HEAD_BYTES, and otherwise left to `readHead`. `askedHeadMd5` is
   * `EnumerateOptions.headMd5`: the MD5s of the heads read along, all of them for a folder listed on
   * this thread (they cost the same here as to the caller), and those the worker has time for.
   */
  constructor(
    private readonly lister: FolderLister,
    askedHeadBytes = 0,
    askedHeadMd5 = false,
  ) {
    const valid =
      Number.isInteger(askedHeadBytes) && askedHeadBytes > 0 && askedHeadBytes <= MAX_LISTED_HEAD_BYTES;
    this.headBytes = valid ? askedHeadBytes : 0;
    this.headMd5s = this.headBytes > 0 && askedHeadMd5 === true;
    this.entriesAhead =
      this.headBytes > 0 ? Math.min(ENTRIES_AHEAD, HEAD_BYTES_AHEAD / this.headBytes) : ENTRIES_AHEAD;
  }

  /** A folder to list. */
  found(folder: Folder): void {
    this.toList.push(folder);
  }

  /** Asks for listings until the window is full. */
  fill(): void {
    while (this.inFlight.length < this.listingsAhead()) {
      const folder = this.toList.pop();
      if (!folder) return;
      const request = this.list(folder.abs);
      if (!request) {
        // The worker is far behind on an old request; ask again later.
        this.toList.push(folder);
        return;
      }
      // Read later, in order; a rejection must not count as unhandled meanwhile.
      request.listing.catch(() => {});
      this.inFlight.push({ folder, request });
    }
  }

  /**
   * The next listing, or undefined when the walk is done: the oldest one asked for, unless the worker
   * has not finished it yet. Then this thread lists a folder itself rather than wait: one not asked
   * for yet, or else the newest one asked for, taken back from the worker. The two threads share the
   * listing that way; before, an unchanged rescan of 100k files spent a quarter of its time waiting.
   */
  next(): { folder: Folder; listing: Promise<FolderListing> } | undefined {
    const oldest = this.inFlight[0];
    // With nothing in flight although folders wait, every request slot is held by another walk's
    // requests that the worker has not reached (it is stuck on a huge folder): the walk goes on here
    // rather than end early, which would report the unlisted files as removed.
    if (!oldest || this.workerBehind(oldest.request)) {
      const folder = this.toList.pop() ?? this.takeBackNewest();
      if (folder) return { folder, listing: this.listHere(folder.abs).listing };
    }
    const asked = this.inFlight.shift();
    return asked && { folder: asked.folder, listing: asked.request.listing };
  }

  /** The head of entry `index` of `listing`, when it was read along: a view valid until `spent`. */
  headOf(listing: FolderListing, index: number): Uint8Array | undefined {
    if (this.headBytes === 0) return undefined;
    const length = listing.headLengths[index]!;
    if (length < 0) return undefined;
    const { heads } = listing;
    return new Uint8Array(heads.buffer, heads.byteOffset + listing.headStarts[index]!, length);
  }

  /**
   * The MD5s of `listing`'s heads by entry index, where computed: empty or missing for the others,
   * whose heads the caller hashes itself.
   */
  headMd5sOf(listing: FolderListing): readonly string[] {
    return this.headMd5s && listing.headMd5s !== '' ? listing.headMd5s.split(' ') : [];
  }

  /**
   * A listing's heads are no longer read: their memory is used again by the thread that made it.
   * Each thread fills the heads of the folders it lists, so each keeps spares of its own: the
   * worker's go back to it (FolderLister.recycle), those made here stay for the next folder this
   * thread lists. Sent the other way, a buffer would leave the thread that made it allocating anew.
   */
  spent(listing: FolderListing): void {
    if (this.headBytes === 0) return;
    const { buffer } = listing.heads;
    if (!(buffer instanceof ArrayBuffer) || !this.ownHeads.has(buffer)) this.lister.recycle(listing.heads);
    else if (this.spareHeads.length < SPARE_HEAD_BUFFERS) this.spareHeads.push(buffer);
  }

  /** Whether the worker has yet to answer `request`, the oldest asked for. */
  private workerBehind(request: ListingRequest): boolean {
    if ((this.headBytes > 0 && !this.headMd5s) || request.settled) return false;
    this.lister.collect();
    return !request.settled;
  }

  /** The newest listing asked for, if the worker has not started it and gives it back. */
  private takeBackNewest(): Folder | undefined {
    const newest = this.inFlight.at(-1);
    if (!newest || newest === this.inFlight[0] || !this.lister.withdraw(newest.request)) return undefined;
    this.inFlight.pop();
    return newest.folder;
  }

  private listingsAhead(): number {
    const filesPerFolder = this.listedFiles / Math.max(1, this.listedFolders);
    return Math.min(LISTINGS_IN_FLIGHT, Math.max(8, this.entriesAhead / Math.max(1, filesPerFolder)));
  }

  private list(folder: string): ListingRequest | undefined {
    if (this.listedInThread >= LISTED_IN_THREAD) {
      const request = this.lister.list(folder, this.headBytes, this.headMd5s);
      request?.listing.then(
        (done) => this.note(done),
        () => {},
      );
      return request;
    }
    return this.listHere(folder);
  }

  private listHere(folder: string): ListingRequest {
    try {
      const listing = listFolder(folder, this.headBytes, this.headBuffer, this.headMd5s ? always : undefined);
      this.note(listing);
      this.listedInThread += listing.names.length;
      if (this.listedInThread >= WARM_UP_AFTER) this.lister.warmUp();
      return { id: -1, listing: Promise.resolve(listing), settled: true };
    } catch (error) {
      return { id: -1, listing: Promise.reject(error), settled: true };
    }
  }

  /** Room for the heads of a folder listed here: a spare buffer when one is large enough. */
  private readonly headBuffer = (bytes: number): Uint8Array<ArrayBuffer> => {
    if (bytes === 0) return new Uint8Array(0);
    const index = this.spareHeads.findIndex((buffer) => buffer.byteLength >= bytes);
    if (index >= 0) return new Uint8Array(this.spareHeads.splice(index, 1)[0]!, 0, bytes);
    const made = new Uint8Array(bytes);
    this.ownHeads.add(made.buffer);
    return made;
  };

  private note(listing: FolderListing): void {
    this.listedFolders++;
    for (const kind of listing.kinds) if (kind === EntryKind.file) this.listedFiles++;
  }
}

const always = () => true;
