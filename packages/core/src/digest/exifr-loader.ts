import type * as Exifr from 'exifr';

/** The two readers of exifr the digest uses. */
export interface ExifrReaders {
  parse: typeof Exifr.parse;
  sidecar: typeof Exifr.sidecar;
}

/**
 * exifr's full build as an ES module. Its package's `main`, what `import('exifr')` gives Node, is the
 * same build as UMD, which Node can only import by lexing the whole CommonJS source for its export
 * names: about 90 ms of CPU against 27 ms for this file. Both parse alike (the tests' photos and
 * the bench's give the same tags); a path, not a name, so TypeScript is told its shape here.
 */
const EXIFR_ESM = 'exifr/dist/full.esm.mjs';

let loading: Promise<ExifrReaders> | undefined;

/**
 * exifr, loaded when the first photo's metadata is read, not with the core: `list` or an unchanged
 * scan reads no metadata.
 */
export function loadExifr(): Promise<ExifrReaders> {
  loading ??= (import(EXIFR_ESM) as Promise<Partial<ExifrReaders> & { default?: ExifrReaders }>).then(
    (exifr) => {
      const parse = exifr.parse ?? exifr.default?.parse;
      const sidecar = exifr.sidecar ?? exifr.default?.sidecar;
      if (!parse || !sidecar) throw new Error(`${EXIFR_ESM} has no parse or sidecar`);
      return { parse, sidecar };
    },
  );
  return loading;
}
