import type { LoadSource, ScanResult } from '@photolala/core';
import formatBytes from 'bytes';

/** A size as reports print it: `12.3 MB`. */
export const size = (n: number) => formatBytes(n, { decimalPlaces: 1, unitSeparator: ' ' }) ?? `${n} B`;

/** `1 photo`, `1,234 photos`. */
export const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** Where a catalog came from, in words: `LoadSource` values are for scripts (`--json`). */
export function describeLoad(source: LoadSource): string {
  switch (source) {
    case 'root':
      return 'loaded from the root';
    case 'mirror':
      return 'loaded from the cache mirror';
    case 'older':
      return 'loaded from an older snapshot';
    case 'adopted':
      return 'loaded the newest snapshot file found: no pointer named a usable one';
    case 'rebuild':
      return 'rebuilt: no snapshot was usable';
    case 'none':
      return 'new catalog';
  }
}

/** When a cached catalog was saved, in local time to the minute: `2026-12-05 14:03`. */
export function describeSavedAt(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The object `scan --json` prints (the cache report, if any, is added to it). */
export function scanJson(result: ScanResult, source: string) {
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
