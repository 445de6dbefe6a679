/**
 * The one form the CLI prints a capture date in (`list`, `list --json`, `metadata --print`):
 * `YYYY-MM-DDTHH:MM:SS`, then `.sss` only when the milliseconds are not zero, then the zone as
 * `±HH:MM` (UTC as `+00:00`) where one was recorded; no zone is a camera's local clock time. The
 * catalog keeps each date as its source gave it: an EXIF `SubSecTimeOriginal` of `00` gave `.000`,
 * and Apple Photos' dates without a zone came as UTC with `.000Z`, so one listing showed both forms.
 */
const TAKEN_AT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function shownFraction(fraction: string | undefined): string {
  const millis = (fraction ?? '').slice(1, 4).padEnd(3, '0');
  return millis === '000' ? '' : `.${millis}`;
}

const shownZone = (zone: string | undefined) => (zone === 'Z' ? '+00:00' : (zone ?? ''));

/** `value` in the CLI's form; anything not a date of that shape is returned as it is. */
export function takenAtText<T extends string | null | undefined>(value: T): T {
  if (typeof value !== 'string') return value;
  const m = TAKEN_AT.exec(value);
  if (!m) return value;
  return `${m[1]}${shownFraction(m[2])}${shownZone(m[3])}` as T;
}

// In lines SQLite made: inside a JSON string every quote is escaped, so `"takenAt":"` is only ever
// the key itself.
const TAKEN_AT_IN_JSON = /"takenAt":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?"/g;

/** NDJSON entry lines (as `Catalog.listJsonChunks` makes them) with each `takenAt` in the CLI's form. */
export function takenAtInJsonLines(lines: string): string {
  return lines.replace(
    TAKEN_AT_IN_JSON,
    (_, time: string, fraction: string | undefined, zone: string | undefined) =>
      `"takenAt":"${time}${shownFraction(fraction)}${shownZone(zone)}"`,
  );
}
