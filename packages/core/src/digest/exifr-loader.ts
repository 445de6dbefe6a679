import type * as Exifr from 'exifr';

/** The two readers of exifr the digest uses. */
export interface ExifrReaders {
  parse: typeof Exifr.parse;
  sidecar: typeof Exifr.sidecar;
}

let loading: Promise<ExifrReaders> | undefined;

/**
 * exifr, loaded when the first photo's metadata is read, not with the core: Node loads its full
 * build, whose start costs a command about as much as zod's, and `list` or an unchanged scan reads
 * no metadata.
 */
export function loadExifr(): Promise<ExifrReaders> {
  loading ??= import('exifr').then((exifr: Partial<ExifrReaders> & { default: ExifrReaders }) => ({
    parse: exifr.default.parse,
    // exifr's ES module has `sidecar` as a named export only, its UMD build (what Node loads, from
    // `main`) on the default export.
    sidecar: exifr.sidecar ?? exifr.default.sidecar,
  }));
  return loading;
}
