import {
  type Catalog,
  compareCatalogs,
  DEFAULT_SIMILARITY_THRESHOLD,
  type DuplicateGroup,
  findDuplicates,
  findSimilar,
  type SimilarGroup,
  type VerifyPhotosReport,
  verifyPhotos,
} from '@photolala/core';
import formatBytes from 'bytes';
import { type Command, InvalidArgumentError } from 'commander';
import { parseSize } from './cache-quota.js';
import type { Runner } from './commands.js';
import { closeRootCatalog, EXIT, type GlobalOptions, openRootCatalog } from './context.js';
import type { Output } from './output.js';
import { attachProgressBar, countBar } from './progress.js';

const size = (n: number) => formatBytes(n, { decimalPlaces: 1, unitSeparator: ' ' }) ?? `${n} B`;
const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

interface RootsOptions {
  scan?: boolean;
  json?: boolean;
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
async function withCatalogs<T>(
  roots: string[],
  globals: GlobalOptions,
  out: Output,
  options: RootsOptions & { writes?: boolean },
  body: (catalogs: Catalog[], stale: StaleRoot[]) => Promise<T>,
): Promise<T> {
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
    for (const catalog of catalogs) {
      if (options.scan) {
        const detach = out.live ? attachProgressBar(catalog, out.options.color) : () => {};
        try {
          const result = await catalog.scan();
          out.info(
            `scanned ${catalog.rootUri}: ${result.entries} entries (added ${result.added.length}, removed ${result.removed.length}, changed ${result.changed.length}, moved ${result.moved.length})`,
          );
        } finally {
          detach();
        }
        continue;
      }
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

function minSizeOption(value: string): number {
  return parseSize(value);
}

function thresholdOption(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits) || bits < 0 || bits > 64)
    throw new InvalidArgumentError('expected a whole number of bits from 0 to 64');
  return bits;
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

export function registerCompareCommands(program: Command, run: Runner): void {
  program
    .command('compare')
    .description('is every photo of SRC also in a DEST? Compares the catalogs by photo-md5, reading no photo')
    .argument('<src>', 'the catalogued root whose photos must be backed up')
    .argument('<dest...>', 'catalogued roots that should hold them (any backends)')
    .option('--missing', 'list the photos of SRC that are in no DEST')
    .option(
      '--json',
      'print NDJSON: one line per photo of SRC (with --missing, per missing photo), then a summary',
    )
    .option('--scan', 'scan every root first, so that the catalogs are current')
    .addHelpText(
      'after',
      `
Exit codes: 0 every photo of SRC is in a DEST; 3 some are missing (or could not be digested, so
cannot be looked for); 1 an error. A root whose catalog is stale is named on stderr.

Examples:
  $ photolala compare /media/card ~/Pictures s3://my-bucket/photos
  $ photolala compare /media/card ~/Pictures --missing
  $ photolala compare ~/Pictures smb://me@nas/photos --json | jq -c 'select(.type == "photo" and .copies == [])'
`,
    )
    .action(async function (
      this: Command,
      src: string,
      dests: string[],
      opts: { missing?: boolean; json?: boolean; scan?: boolean },
    ) {
      await run(this, opts.json ?? false, (out, globals) =>
        withCatalogs([src, ...dests], globals, out, opts, async ([source, ...destinations], stale) => {
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
            if (result.missing.count > 0 && !missingOnly) out.info('--missing lists them');
          }
          return result.missing.count + result.unchecked.count > 0 ? EXIT.partial : EXIT.ok;
        }),
      );
    });

  program
    .command('duplicates')
    .description('groups of identical photos (same photo-md5) within and across roots, from the catalogs')
    .argument('<roots...>', 'catalogued roots (any backends)')
    .option(
      '--similar',
      'also group near-duplicates (resized, re-encoded, edited, bursts) by perceptual hash',
    )
    .option(
      '--threshold <bits>',
      `with --similar: most bits of the 64-bit hash two near-duplicates may differ by (default ${DEFAULT_SIMILARITY_THRESHOLD})`,
      thresholdOption,
    )
    .option('--min-size <size>', 'only photos of at least SIZE (such as 1MB)', minSizeOption)
    .option('--within', 'only duplicates within one root, not across roots')
    .option('--json', 'print NDJSON: one line per group (type identical or similar), then a summary')
    .option('--scan', 'scan every root first, so that the catalogs are current')
    .addHelpText(
      'after',
      `
Identical groups are listed largest cleanup first; similar groups (--similar) are listed apart,
and exact copies of a photo stay together under one member. Catalogs made before perceptual hashes
get theirs from the cached thumbnails (no photo is read), and keep them.

Examples:
  $ photolala duplicates ~/Pictures /mnt/nas/photos --min-size 1MB
  $ photolala duplicates ~/Pictures --within
  $ photolala duplicates ~/Pictures s3://my-bucket/photos --similar --threshold 10 --json
`,
    )
    .action(async function (
      this: Command,
      roots: string[],
      opts: {
        similar?: boolean;
        threshold?: number;
        minSize?: number;
        within?: boolean;
        json?: boolean;
        scan?: boolean;
      },
    ) {
      await run(this, opts.json ?? false, (out, globals) =>
        withCatalogs(roots, globals, out, { ...opts, writes: opts.similar }, async (catalogs, stale) => {
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
            for (const u of similar.unhashed)
              out.failure(`${u.root} ${u.path}: no perceptual hash: ${u.reason}`);
          }
          return EXIT.ok;
        }),
      );
    });
}

/** `verify --deep`: the scrub of every photo (see verifyPhotos), with a bar and a report. */
export async function deepVerify(
  catalog: Catalog,
  out: Output,
): Promise<{ ok: boolean; report: VerifyPhotosReport }> {
  const bar = countBar(out, 'reading photos', 'photos');
  let report: VerifyPhotosReport;
  try {
    report = await verifyPhotos(catalog, bar.options);
  } finally {
    bar.stop();
  }
  if (!out.options.json) {
    out.result(
      `photos: ${plural(report.checked, 'photo')} read (${size(report.bytes)}), ${report.ok} as catalogued, ${report.corrupt.length} possibly corrupt`,
    );
    for (const c of report.corrupt)
      out.result(
        `  possibly corrupt: ${c.path}: its bytes changed but its size and mtime did not (catalog ${c.expectedMd5}, now ${c.actualMd5})`,
      );
    if (report.changed.length > 0)
      out.result(
        `  ${plural(report.changed.length, 'photo')} changed since the last scan (not read; a scan takes them in)`,
      );
    for (const path of report.changed) out.detail(`    changed ${path}`);
    if (report.missing.length > 0)
      out.result(`  ${plural(report.missing.length, 'photo')} no longer in the root`);
    for (const path of report.missing) out.detail(`    missing ${path}`);
    for (const f of report.failed) out.failure(`${f.path}: ${f.reason}`);
  }
  return { ok: report.corrupt.length === 0 && report.failed.length === 0, report };
}
