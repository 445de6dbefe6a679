import { type Catalog, type VerifyPhotosReport, verifyPhotos } from '@photolala/core';
import { refusesWrites } from '@photolala/core/internals';
import { openRootCatalog, withCatalog } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';
import { countBar } from '../progress.js';
import { plural, size } from '../render.js';

export interface StatusOptions {
  json?: boolean;
  full?: boolean;
}

export interface VerifyOptions {
  json?: boolean;
  repair?: boolean;
  deep?: boolean;
}

/** `photolala status ROOT`: what a scan would change; writes nothing. */
export async function showStatus(
  out: Output,
  globals: GlobalOptions,
  root: string,
  opts: StatusOptions,
): Promise<number> {
  const catalog = await openRootCatalog(root, { ...globals, readOnly: true }, out);
  try {
    const status = await catalog.status({ full: opts.full ?? false });
    if (out.options.json)
      out.json({
        root: catalog.rootUri,
        catalogMd5: catalog.catalogMd5 ?? null,
        source: catalog.loadInfo.source,
        ...status,
      });
    else {
      for (const p of status.added) out.result(`added    ${p}`);
      for (const p of status.removed) out.result(`removed  ${p}`);
      for (const p of status.changed) out.result(`changed  ${p}`);
      for (const m of status.moved) out.result(`moved    ${m.from} -> ${m.to}`);
      for (const f of status.failed) out.result(`failed   ${f.path}: ${f.reason}`);
      // The summary is the answer itself (for a folder with no change, the only line): a result.
      out.result(
        `${status.added.length} added, ${status.removed.length} removed, ${status.changed.length} changed, ${status.moved.length} moved, ${status.unchanged} unchanged`,
      );
    }
    return EXIT.ok;
  } finally {
    await catalog.close();
  }
}

/** `photolala verify ROOT`: pointers, snapshots and cache files, and with `--deep` every photo. */
export function verify(
  out: Output,
  globals: GlobalOptions,
  root: string,
  opts: VerifyOptions,
): Promise<number> {
  return withCatalog(root, globals, out, true, async (catalog) => {
    const stores = await catalog.inspectSnapshots();
    const missing = await catalog.missingCacheFiles();
    let repaired: string[] = [];
    let repairFailed: { path: string; reason: string }[] = [];
    if (opts.repair && missing.length > 0) {
      const bar = countBar(out, 'repairing', 'photos');
      try {
        ({ repaired, failed: repairFailed } = await catalog.repairCacheFiles(missing, bar.options));
      } finally {
        bar.stop();
      }
    }
    const badSnapshots = stores.flatMap((s) => s.snapshots.filter((x) => x.state !== 'ok'));
    // A read-only root never gets a pointer: its catalog lives in the mirror, which must be good.
    const mirrorHead = stores.find((s) => s.store === 'mirror')?.snapshots[0];
    const rootReadOnly =
      catalog.source.writeAtomic === undefined ||
      (stores.some((s) => s.store === 'root' && s.pointerProblem === 'no pointer file') &&
        mirrorHead?.state === 'ok' &&
        (await refusesWrites(catalog.source).catch(() => false)));
    const storeProblems = stores.filter((s) => s.pointerProblem && !(s.store === 'root' && rootReadOnly));
    const unresolved = opts.repair ? repairFailed.length : missing.length;
    const deep = opts.deep ? await deepVerify(catalog, out) : undefined;
    const ok =
      badSnapshots.length === 0 && storeProblems.length === 0 && unresolved === 0 && (deep?.ok ?? true);
    if (out.options.json) {
      out.json({
        root: catalog.rootUri,
        ok,
        rootReadOnly,
        stores,
        missing,
        repaired,
        repairFailed,
        ...(deep ? { photos: deep.report } : {}),
      });
    } else {
      for (const s of stores) {
        const readOnlyNote =
          s.store === 'root' && rootReadOnly && s.pointerProblem ? ' (read-only root)' : '';
        out.result(
          `${s.store} pointer: ${s.pointerProblem ?? `${s.pointer?.length ?? 0} snapshot(s)`}${readOnlyNote}`,
        );
        for (const snap of s.snapshots) out.result(`  ${snap.state.padEnd(13)} ${snap.location}`);
      }
      out.result(
        `cache: ${missing.length} entr${missing.length === 1 ? 'y' : 'ies'} missing a thumbnail or metadata, or with a damaged thumbnail`,
      );
      for (const m of missing)
        out.result(
          `  missing ${[m.thumbnail && 'or damaged thumbnail', m.metadata && 'metadata'].filter(Boolean).join(' and ')}: ${m.path}`,
        );
      if (opts.repair) out.result(`repaired ${repaired.length}, could not repair ${repairFailed.length}`);
      for (const f of repairFailed) out.result(`  ${f.path}: ${f.reason}`);
      out.result(ok ? 'ok' : 'problems found');
    }
    return ok ? EXIT.ok : EXIT.failure;
  });
}

/** `verify --deep`: the scrub of every photo (see verifyPhotos), with a bar and a report. */
async function deepVerify(
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

/** `photolala snapshots ROOT`: the snapshots and pointers in the root and in the cache mirror. */
export async function listSnapshots(out: Output, globals: GlobalOptions, root: string): Promise<number> {
  const catalog = await openRootCatalog(root, { ...globals, readOnly: true }, out);
  try {
    const stores = await catalog.inspectSnapshots();
    if (out.options.json)
      out.json({
        root: catalog.rootUri,
        loadedFrom: catalog.loadInfo.source,
        catalogMd5: catalog.catalogMd5 ?? null,
        stores,
      });
    else {
      out.result(
        `${catalog.rootUri} (loads from ${catalog.loadInfo.source}${catalog.catalogMd5 ? ` ${catalog.catalogMd5}` : ''})`,
      );
      for (const s of stores) {
        out.result(`${s.store}: ${s.pointerProblem ?? 'pointer ok'}`);
        for (const snap of s.snapshots) {
          out.result(
            `  ${snap.catalogMd5}  ${snap.state.padEnd(13)} ${snap.size ?? '-'} bytes  ${snap.location}`,
          );
        }
      }
    }
    return EXIT.ok;
  } finally {
    await catalog.close();
  }
}
