/**
 * The one form a capture date (`takenAt`) is stored and shown in, whatever its source:
 * `YYYY-MM-DDTHH:MM:SS`, then `.sss` only when the milliseconds are not zero, then the zone as
 * `±HH:MM` (UTC as `+00:00`) where one was recorded; no zone is a camera's local clock time. Every
 * reader of EXIF, XMP, QuickTime and photo libraries makes this form, so the catalog, its cache
 * documents and every output (`list`, `list --json`, `metadata --print`, the gallery) agree without
 * a pass of their own. Catalogs and cache documents made before (an EXIF `SubSecTimeOriginal` of `00`
 * stored as `.000`, Apple Photos' dates without a zone as `.000Z`) are brought to it when upgraded
 * (see upgradeSchema) or read (see DigestCache).
 */
const TAKEN_AT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** `.sss` of a fraction of a second (`.5`, `.120`, `.123456`), or `''` when its milliseconds are zero. */
export function millisecondsText(fraction: string | undefined): string {
  const millis = (fraction ?? '').slice(1, 4).padEnd(3, '0');
  return millis === '000' ? '' : `.${millis}`;
}

/**
 * `value` in the one form; a string that is not a date of that shape (a third-party backend's, a
 * crafted snapshot's) is returned as it is, and so are null and undefined.
 */
export function takenAtForm<T extends string | null | undefined>(value: T): T {
  if (typeof value !== 'string') return value;
  const m = TAKEN_AT.exec(value);
  if (!m) return value;
  const zone = m[3] === 'Z' ? '+00:00' : (m[3] ?? '');
  return `${m[1]}${millisecondsText(m[2])}${zone}` as T;
}

/** `document` with its `takenAt` in the one form: itself when it already is. */
export function datedInForm<T extends { takenAt: string | null }>(document: T): T {
  const takenAt = takenAtForm(document.takenAt);
  return takenAt === document.takenAt ? document : { ...document, takenAt };
}
