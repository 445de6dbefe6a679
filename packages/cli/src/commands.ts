import { readFile } from 'node:fs/promises';
import {
  type Catalog,
  type CatalogEntry,
  describeError,
  IMAGE_KINDS,
  isPhotolalaError,
  refusesWrites,
  type ScanResult,
  syncStarsToCloud,
} from '@photolala/core';
import { type Command, Option } from 'commander';
import { pruneAfterScan } from './cache-quota.js';
import { openCloudStore } from './cloud.js';
import { deepVerify } from './compare-commands.js';
import {
  closeRootCatalog,
  describeLoad,
  EXIT,
  type GlobalOptions,
  type OpenOptions,
  openRootCatalog,
} from './context.js';
import type { Output } from './output.js';
import { attachProgressBar, countBar } from './progress.js';

type Action = (out: Output, globals: GlobalOptions) => Promise<number>;
export type Runner = (command: Command, json: boolean, action: Action) => Promise<void>;

/** Runs `body` on an opened catalog and always closes it (which publishes pending star changes). */
async function withCatalog<T>(
  root: string,
  globals: GlobalOptions,
  out: Output,
  open: OpenOptions | boolean,
  body: (catalog: Catalog) => Promise<T>,
): Promise<T> {
  const catalog = await openRootCatalog(
    root,
    globals,
    out,
    typeof open === 'boolean' ? { requireCatalog: open } : open,
  );
  try {
    return await body(catalog);
  } finally {
    await closeRootCatalog(catalog, out);
  }
}

function entryJson(entry: CatalogEntry) {
  return {
    path: entry.path,
    fastPhotoKey: entry.fastPhotoKey,
    photoMd5: entry.photoMd5,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    kind: entry.kind,
    takenAt: entry.takenAt,
    width: entry.width,
    height: entry.height,
    starred: entry.starred,
    status: entry.status,
    ...(entry.reason ? { reason: entry.reason } : {}),
    ...(entry.externalId ? { externalId: entry.externalId } : {}),
  };
}

function scanJson(result: ScanResult, source: string) {
  return {
    root: result.rootUri,
    catalogMd5: result.catalogMd5,
    entries: result.entries,
    added: result.added.length,
    removed: result.removed.length,
    changed: result.changed.length,
    moved: result.moved.length,
    unchanged: result.unchanged,
    failed: result.failed,
    skipped: result.skipped,
    digested: result.digested,
    rendered: result.rendered,
    snapshots: result.snapshots,
    wroteNewSnapshot: result.wroteNewSnapshot,
    source,
    durationMs: result.durationMs,
    paths: { added: result.added, removed: result.removed, changed: result.changed, moved: result.moved },
    warnings: result.warnings,
    ...(result.publishFailed ? { publishFailed: result.publishFailed } : {}),
    ...(result.interrupted ? { interrupted: result.interrupted } : {}),
  };
}

/**
 * Ctrl-C (or SIGTERM) during a scan: the first stops it gracefully (the photos in progress finish
 * and what is done is saved); a second quits at once, losing only this scan's unsaved work.
 */
function stopOnSignal(out: Output, stopBar: () => void): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    stopBar();
    out.warn(
      'stopping: the photos in progress finish and what is done is saved; press Ctrl-C again to quit now',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function browseOptions(user: string | undefined): OpenOptions {
  return { requireCatalog: true, offline: true, ...(user ? { user } : {}) };
}

export function registerCommands(program: Command, run: Runner): void {
  program
    .command('sync')
    .description(
      'upload starred photos, their thumbnails and the catalog to the cloud layout; delete unstarred ones',
    )
    .argument('<root>', 'the catalogued root')
    .requiredOption('--to <s3-bucket>', 'the cloud bucket, s3://bucket')
    .requiredOption('--user <uuid>', 'the user id the cloud layout is keyed by')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nObjects: photos/{user}/{photo-md5}.{ext}, thumbnails/{user}/{photo-md5}.jpg, catalogs/{user}/.\nAn interrupted sync can be run again; it finishes the work without duplicating anything.\n\nExample:\n  $ photolala sync ~/Pictures --to s3://my-bucket --user 0b5f0a4e-5c1d-4b8e-9a57-3f6d2c1e9b70\n',
    )
    .action(async function (this: Command, root: string, opts: { to: string; user: string; json?: boolean }) {
      await run(this, opts.json ?? false, (out, globals) =>
        withCatalog(root, globals, out, true, async (catalog) => {
          const { store, close } = await openCloudStore(opts.to);
          const bar = countBar(out, 'syncing', 'photos');
          try {
            const report = await syncStarsToCloud(catalog, store, { user: opts.user, ...bar.options });
            bar.stop();
            if (out.options.json) out.json({ root: catalog.rootUri, to: store.uri, ...report });
            else {
              out.result(
                `${store.uri}: uploaded ${report.uploaded.length}, already there ${report.alreadyPresent.length}, deleted ${report.deleted.length}, failed ${report.failed.length}`,
              );
              for (const f of report.failed) out.failure(`${f.key}: ${f.reason}`);
              if (report.catalog) out.result(`  catalog: ${store.uri}/${report.catalog.pointer}`);
            }
            return report.failed.length > 0 ? EXIT.failure : EXIT.ok;
          } finally {
            bar.stop();
            close();
          }
        }),
      );
    });

  program
    .command('scan')
    .description('build or update the catalog of ROOT, then publish a snapshot')
    .argument('<root>', 'a folder, file://, s3://, smb://, webdav(s):// URI or .photoslibrary')
    .option('--json', 'print one JSON object with the result on stdout')
    .option('--full', 're-read file heads and re-hash every photo, even when size and mtime are unchanged')
    .addHelpText(
      'after',
      '\nExamples:\n  $ photolala scan ~/Pictures/2024\n  $ photolala scan /mnt/nas/photos --json > result.json\n',
    )
    .action(async function (this: Command, root: string, opts: { json?: boolean; full?: boolean }) {
      await run(this, opts.json ?? false, (out, globals) =>
        withCatalog(root, globals, out, false, async (catalog) => {
          const source = catalog.loadInfo.source;
          const detach = out.live ? attachProgressBar(catalog, out.options.color) : () => {};
          const stop = stopOnSignal(out, detach);
          let result: ScanResult;
          try {
            result = await catalog.scan({ full: opts.full ?? false, signal: stop.signal });
          } catch (error) {
            // Stopped while the files were still being listed: nothing was changed.
            if (!stop.signal.aborted) throw error;
            out.warn('stopped while listing the files; the catalog is as it was');
            return EXIT.interrupted;
          } finally {
            detach();
            stop.release();
          }
          const cache = await pruneAfterScan(globals, out, result);
          if (out.options.json) out.json({ ...scanJson(result, source), ...(cache ? { cache } : {}) });
          else {
            out.result(
              `${result.rootUri}: ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'}, catalog ${result.catalogMd5}`,
            );
            out.result(
              `  added ${result.added.length}, removed ${result.removed.length}, changed ${result.changed.length}, moved ${result.moved.length}, unchanged ${result.unchanged}, failed ${result.failed.length}  (${(result.durationMs / 1000).toFixed(1)} s, ${describeLoad(source)})`,
            );
            for (const f of result.failed) out.failure(`${f.path}: ${f.reason}`);
            if (result.skipped.length > 0) {
              // Left out on purpose (a Photos library's videos, an application's store): counted
              // here, listed with -v or --json.
              out.result(
                `  skipped ${result.skipped.length} on purpose${out.options.verbose ? ':' : ' (-v lists them)'}`,
              );
              for (const s of result.skipped) out.detail(`    ${s.path}: ${s.reason}`);
            }
            for (const s of result.snapshots) out.detail(`  snapshot ${s}`);
            if (result.interrupted)
              out.result(
                `  interrupted: what was done is saved; ${result.interrupted.remaining} files are left for the next scan`,
              );
          }
          if (result.interrupted) return EXIT.interrupted;
          // A store left stale (its upload failed after retries) is a partial success, as failed files are.
          return result.failed.length > 0 || result.publishFailed ? EXIT.partial : EXIT.ok;
        }),
      );
    });

  program
    .command('list')
    .description('list the entries of the newest valid snapshot, without reading any photo')
    .argument('<root>', 'the catalogued root')
    .argument('[directory]', 'only entries under this folder (relative to the root)')
    .option('--json', 'print NDJSON: one JSON object per entry')
    .option('--starred', 'only starred entries')
    .addOption(
      new Option('--kind <kind>', 'only entries of this kind').choices([...IMAGE_KINDS, 'video', 'other']),
    )
    .option(
      '--user <uuid>',
      'with ROOT s3://bucket: browse the catalog `photolala sync` uploaded for this user',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ photolala list ~/Pictures/2024 --starred\n  $ photolala list ~/Pictures/2024 trips/rome --json | jq .path\n  $ photolala list s3://my-bucket --user 0b5f0a4e-5c1d-4b8e-9a57-3f6d2c1e9b70\n',
    )
    .action(async function (
      this: Command,
      root: string,
      directory: string | undefined,
      opts: { json?: boolean; starred?: boolean; kind?: string; user?: string },
    ) {
      await run(this, opts.json ?? false, (out, globals) =>
        withCatalog(root, globals, out, browseOptions(opts.user), async (catalog) => {
          // As a shell user types it: `./trips/`, `trips/` and `trips` are one folder; `.` and `/`
          // are the root itself.
          const folder = directory?.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
          const filter = {
            ...(folder && folder !== '.' ? { directory: folder } : {}),
            ...(opts.starred ? { starred: true } : {}),
            ...(opts.kind ? { kind: opts.kind } : {}),
          };
          let listed = 0;
          for (const entry of catalog.iterate(filter)) {
            listed++;
            if (out.options.json) out.json(entryJson(entry));
            else {
              const star = entry.starred ? '*' : ' ';
              // A file whose digest failed has no date or size to show; it says so, and why.
              const failed = entry.status === 'failed';
              const when = failed ? 'failed' : (entry.takenAt ?? '-');
              const size = entry.width && entry.height ? `${entry.width}x${entry.height}` : '-';
              const why = failed && entry.reason ? `  (${entry.reason})` : '';
              out.result(
                `${star} ${entry.kind.padEnd(5)} ${when.padEnd(29)} ${size.padEnd(11)} ${entry.path}${why}`,
              );
            }
          }
          // Said on stderr, so that stdout stays empty for scripts.
          if (listed === 0)
            out.info(`nothing to list${filter.directory ? ` under ${filter.directory}` : ''}`);
          return EXIT.ok;
        }),
      );
    });

  program
    .command('thumbnail')
    .description('print the absolute path of the cached 256x256 thumbnail, making it if missing')
    .argument('<root>', 'the catalogued root')
    .argument('<id>', 'a relative path, fast-photo-key, photo-md5 or apple-photo-id')
    .option('--user <uuid>', 'with ROOT s3://bucket: fetch from the cloud copy of this user (photolala sync)')
    .addHelpText('after', '\nExample:\n  $ photolala thumbnail ~/Pictures/2024 trips/rome/IMG_0001.JPG\n')
    .action(async function (this: Command, root: string, id: string, opts: { user?: string }) {
      await run(this, false, (out, globals) =>
        withCatalog(root, globals, out, browseOptions(opts.user), async (catalog) => {
          out.result(await catalog.thumbnail(id));
          return EXIT.ok;
        }),
      );
    });

  program
    .command('metadata')
    .description('print the absolute path of the metadata document (or its content with --print)')
    .argument('<root>', 'the catalogued root')
    .argument('<id>', 'a relative path, fast-photo-key, photo-md5 or apple-photo-id')
    .option('--print', 'print the document instead of its path')
    .option('--user <uuid>', 'with ROOT s3://bucket: read the cloud copy of this user (photolala sync)')
    .addHelpText('after', '\nExample:\n  $ photolala metadata ~/Pictures/2024 IMG_0001.JPG --print\n')
    .action(async function (
      this: Command,
      root: string,
      id: string,
      opts: { print?: boolean; user?: string },
    ) {
      await run(this, false, (out, globals) =>
        withCatalog(root, globals, out, browseOptions(opts.user), async (catalog) => {
          const file = await catalog.metadata(id);
          if (opts.print) out.document((await readFile(file, 'utf8')).trimEnd());
          else out.result(file);
          return EXIT.ok;
        }),
      );
    });

  for (const starred of [true, false]) {
    const name = starred ? 'star' : 'unstar';
    program
      .command(name)
      .description(`${starred ? 'star' : 'unstar'} entries and queue the change for cloud sync`)
      .argument('<root>', 'the catalogued root')
      .argument('<ids...>', 'relative paths, fast-photo-keys or photo-md5s')
      .addHelpText('after', `\nExample:\n  $ photolala ${name} ~/Pictures/2024 IMG_0001.JPG IMG_0002.JPG\n`)
      .action(async function (this: Command, root: string, ids: string[]) {
        await run(this, false, (out, globals) =>
          withCatalog(root, globals, out, true, async (catalog) => {
            // Each id on its own: one that cannot be starred does not stop the others.
            let failed = 0;
            for (const id of ids) {
              try {
                const entry = starred ? await catalog.star(id) : await catalog.unstar(id);
                out.result(`${starred ? 'starred' : 'unstarred'} ${entry.path}`);
              } catch (error) {
                if (!isPhotolalaError(error)) throw error;
                out.failure(`${id}: ${describeError(error)}`);
                failed++;
              }
            }
            return failed > 0 ? EXIT.failure : EXIT.ok;
          }),
        );
      });
  }

  program
    .command('status')
    .description('show what a scan would change (added, removed, changed, moved); writes nothing')
    .argument('<root>', 'the catalogued root')
    .option('--json', 'print one JSON object')
    .option('--full', 're-read file heads even when size and mtime are unchanged')
    .addHelpText('after', '\nExample:\n  $ photolala status ~/Pictures/2024\n')
    .action(async function (this: Command, root: string, opts: { json?: boolean; full?: boolean }) {
      await run(this, opts.json ?? false, async (out, globals) => {
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
            out.info(
              `${status.added.length} added, ${status.removed.length} removed, ${status.changed.length} changed, ${status.moved.length} moved, ${status.unchanged} unchanged`,
            );
          }
          return EXIT.ok;
        } finally {
          await catalog.close();
        }
      });
    });

  program
    .command('verify')
    .description(
      "check both pointers, their snapshots' hashes, and every entry's cached thumbnail and metadata",
    )
    .argument('<root>', 'the catalogued root')
    .option('--json', 'print one JSON object')
    .option('--repair', 'regenerate missing thumbnails and metadata documents')
    .option(
      '--deep',
      're-read every photo and compare its MD5 with the catalog: report bytes that changed while size and mtime did not (possible corruption); the catalog is not changed',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ photolala verify ~/Pictures/2024 --repair\n  $ photolala verify /mnt/archive --deep\n',
    )
    .action(async function (
      this: Command,
      root: string,
      opts: { json?: boolean; repair?: boolean; deep?: boolean },
    ) {
      await run(this, opts.json ?? false, (out, globals) =>
        withCatalog(root, globals, out, true, async (catalog) => {
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
          const storeProblems = stores.filter(
            (s) => s.pointerProblem && !(s.store === 'root' && rootReadOnly),
          );
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
              `cache: ${missing.length} entr${missing.length === 1 ? 'y' : 'ies'} missing a thumbnail or metadata`,
            );
            for (const m of missing)
              out.result(
                `  missing ${[m.thumbnail && 'thumbnail', m.metadata && 'metadata'].filter(Boolean).join(' and ')}: ${m.path}`,
              );
            if (opts.repair)
              out.result(`repaired ${repaired.length}, could not repair ${repairFailed.length}`);
            for (const f of repairFailed) out.result(`  ${f.path}: ${f.reason}`);
            out.result(ok ? 'ok' : 'problems found');
          }
          return ok ? EXIT.ok : EXIT.failure;
        }),
      );
    });

  program
    .command('snapshots')
    .description('list the snapshots and pointers in the root and in the cache mirror')
    .argument('<root>', 'the catalogued root')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ photolala snapshots ~/Pictures/2024 --json\n')
    .action(async function (this: Command, root: string, opts: { json?: boolean }) {
      await run(this, opts.json ?? false, async (out, globals) => {
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
      });
    });
}
