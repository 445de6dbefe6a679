import {
  type Catalog,
  compareCatalogs,
  type DuplicateGroup,
  findDuplicates,
  findSimilar,
  type SimilarGroup,
} from '@photolala/core';
import { closeRootCatalog, openRootCatalog } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { stopGracefully } from '../interrupt.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';
import { attachProgressBar, countBar } from '../progress.js';
import { plural, size } from '../render.js';

interface RootsOptions {
  scan?: boolean;
  json?: boolean;
}

export interface CompareOptions extends RootsOptions {
  missing?: boolean;
}

export interface DuplicatesOptions extends RootsOptions {
  similar?: boolean;
  threshold?: number;
  minSize?: number;
  within?: boolean;
}

/** A root whose catalog is behind its files, as a cheap status check (a listing, no reads) tells. */
interface StaleRoot {
  root: string;
  added: number;
  removed: number;
  changed: number;
  moved: number;
}

/**
 * Opens every root's newest snapshot (each root once), brings each up to date first with `--scan`,
 * and otherwise names the roots whose catalog is stale: the answers are only as current as the
 * catalogs. Every catalog is closed afterwards, which publishes what `body` stored in it.
 */
async function withCatalogs(
  roots: string[],
  globals: GlobalOptions,
  out: Output,
  options: RootsOptions & { writes?: boolean },
  body: (catalogs: Catalog[], stale: StaleRoot[]) => Promise<number>,
): Promise<number> {
  const catalogs: Catalog[] = [];
  try {
    const seen = new Set<string>();
    for (const root of roots) {
      const writes = options.scan || options.writes;
      const catalog = await openRootCatalog(root, writes ? globals : { ...globals, readOnly: true }, out, {
        requireCatalog: !options.scan,
      });
      if (seen.has(catalog.rootUri)) {
        await catalog.close();
        continue;
      }
      seen.add(catalog.rootUri);
      catalogs.push(catalog);
    }
    const stale: StaleRoot[] = [];
    // Ctrl-C during the scans: the one under way saves what it has done, the rest are not started,
    // and no answer is given from catalogs that are not up to date.
    const stop = options.scan
      ? stopGracefully('stopping: saving what the scan has done; press Ctrl-C again to quit now')
      : undefined;
    try {
      for (const catalog of catalogs) {
        if (!stop) break;
        const detach = out.live ? attachProgressBar(catalog, out.options.color) : () => {};
        try {
          const result = await catalog.scan({ signal: stop.signal });
          out.info(
            `scanned ${catalog.rootUri}: ${result.entries} entries (added ${result.added.length}, removed ${result.removed.length}, changed ${result.changed.length}, moved ${result.moved.length})`,
          );
        } catch (error) {
          if (!stop.signal.aborted) throw error;
        } finally {
          detach();
        }
        if (stop.signal.aborted) {
          out.warn('stopped: what the scans did is saved; no answer from catalogs that are not up to date');
          return EXIT.interrupted;
        }
      }
    } finally {
      stop?.release();
    }
    for (const catalog of catalogs) {
      if (options.scan) continue;
      const status = await catalog.status();
      const counts = {
        added: status.added.length,
        removed: status.removed.length,
        changed: status.changed.length,
        moved: status.moved.length,
      };
      if (counts.added + counts.removed + counts.changed + counts.moved === 0) continue;
      stale.push({ root: catalog.rootUri, ...counts });
      out.warn(
        `the catalog of ${catalog.rootUri} is stale (${counts.added} added, ${counts.removed} removed, ${counts.changed} changed, ${counts.moved} moved since its last scan); run with --scan, or \`photolala scan ${catalog.rootUri}\``,
      );
    }
    return await body(catalogs, stale);
  } finally {
    for (const catalog of catalogs) await closeRootCatalog(catalog, out);
  }
}

function exactGroupJson(group: DuplicateGroup) {
  return { type: 'identical', ...group };
}

function similarGroupJson(group: SimilarGroup) {
  return { type: 'similar', members: group.members };
}

function printExactGroup(out: Output, group: DuplicateGroup): void {
  out.result(
    `${group.photoMd5}  ${size(group.size)} x ${group.copies.length}  (frees ${size(group.reclaimableBytes)})`,
  );
  for (const copy of group.copies) out.result(`  ${copy.root}  ${copy.path}`);
}

function printSimilarGroup(out: Output, group: SimilarGroup): void {
  out.result(`${plural(group.members.length, 'photo')}:`);
  for (const member of group.members) {
    out.result(
      `  ${member.photoMd5}  ${size(member.size).padStart(9)}  ${member.distance === 0 ? '        ' : `${String(member.distance).padStart(2)} bits `}`,
    );
    for (const copy of member.copies) out.result(`      ${copy.root}  ${copy.path}`);
  }
}

/** `photolala compare SRC DEST...`: is every photo of SRC also in a DEST? */
export function compare(
  out: Output,
  globals: GlobalOptions,
  src: string,
  dests: string[],
  opts: CompareOptions,
): Promise<number> {
  return withCatalogs([src, ...dests], globals, out, opts, async ([source, ...destinations], stale) => {
    const result = compareCatalogs(source!, destinations);
    const missingOnly = opts.missing ?? false;
    if (out.options.json) {
      for (const photo of result.photos)
        if (!missingOnly || photo.copies.length === 0) out.json({ type: 'photo', ...photo });
      out.json({
        type: 'summary',
        source: result.source,
        destinations: result.destinations,
        present: result.present,
        missing: result.missing,
        unchecked: result.unchecked,
        unlisted: result.unlisted,
        stale,
      });
    } else {
      if (missingOnly)
        for (const photo of result.photos)
          if (photo.copies.length === 0) out.result(`missing  ${photo.path}  (${size(photo.size)})`);
      out.result(
        `${result.source}: ${plural(result.present.count, 'photo')} present (${size(result.present.bytes)}), ${plural(result.missing.count, 'photo')} missing (${size(result.missing.bytes)})`,
      );
      if (result.unchecked.count > 0) {
        out.result(
          `  ${plural(result.unchecked.count, 'image')} not checked: their digest failed, so they have no photo-md5 (${size(result.unchecked.bytes)})`,
        );
        for (const path of result.unchecked.paths) out.detail(`    ${path}`);
      }
      if (result.unlisted.length > 0) {
        out.result(
          `  ${plural(result.unlisted.length, 'file or folder', 'files or folders')} not cataloged by the last scan, so not looked for:`,
        );
        for (const file of result.unlisted) out.result(`    ${file.path}: ${file.reason}`);
      }
      if (result.missing.count > 0 && !missingOnly) out.info('--missing lists them');
    }
    return result.missing.count + result.unchecked.count + result.unlisted.length > 0
      ? EXIT.partial
      : EXIT.ok;
  });
}

/** `photolala duplicates ROOTS...`: identical photos, and with `--similar` near-duplicates. */
export function duplicates(
  out: Output,
  globals: GlobalOptions,
  roots: string[],
  opts: DuplicatesOptions,
): Promise<number> {
  return withCatalogs(roots, globals, out, { ...opts, writes: opts.similar }, async (catalogs, stale) => {
    const filter = {
      ...(opts.minSize !== undefined ? { minSize: opts.minSize } : {}),
      ...(opts.within ? { within: true } : {}),
    };
    const exact = findDuplicates(catalogs, filter);
    let similar: Awaited<ReturnType<typeof findSimilar>> | undefined;
    if (opts.similar) {
      const bar = countBar(out, 'hashing thumbnails', 'photos');
      try {
        similar = await findSimilar(catalogs, {
          ...filter,
          ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
          ...bar.options,
        });
      } finally {
        bar.stop();
      }
    }
    if (out.options.json) {
      for (const group of exact.groups) out.json(exactGroupJson(group));
      for (const group of similar?.groups ?? []) out.json(similarGroupJson(group));
      out.json({
        type: 'summary',
        roots: exact.roots,
        identical: { groups: exact.groups.length, reclaimableBytes: exact.reclaimableBytes },
        ...(similar
          ? {
              similar: {
                groups: similar.groups.length,
                threshold: similar.threshold,
                compared: similar.compared,
                backfilled: similar.backfilled,
                unhashed: similar.unhashed,
              },
            }
          : {}),
        stale,
      });
      return EXIT.ok;
    }
    out.result(
      `identical: ${plural(exact.groups.length, 'group')}, ${size(exact.reclaimableBytes)} could be freed`,
    );
    for (const group of exact.groups) printExactGroup(out, group);
    if (similar) {
      out.result(
        `similar (within ${similar.threshold} bits): ${plural(similar.groups.length, 'group')} among ${plural(similar.compared, 'photo')}`,
      );
      for (const group of similar.groups) printSimilarGroup(out, group);
      if (similar.backfilled > 0)
        out.info(`hashed ${plural(similar.backfilled, 'photo')} from their cached thumbnails`);
      for (const u of similar.unhashed) out.failure(`${u.root} ${u.path}: no perceptual hash: ${u.reason}`);
    }
    return EXIT.ok;
  });
}
