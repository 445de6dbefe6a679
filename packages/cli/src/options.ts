import bytes from 'bytes';
import { InvalidArgumentError } from 'commander';

/** Options every command accepts (see `photolala --help`). */
export interface GlobalOptions {
  cacheDir?: string;
  /** The cache quota in bytes (`--cache-max-size`), enforced after each scan. */
  cacheMaxSize?: number;
  concurrency?: number;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  backend?: string[];
  readOnly?: boolean;
}

/** A size such as `500MB`, `5GB` or `5GiB` (powers of 1024, as `du -h` counts), or plain bytes. */
export function parseSize(value: string): number {
  // bytes reads "12xb" as 12, so the form is checked first; it spells 1024-based units without the
  // "i", so "GiB" is accepted as "GB".
  const form = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgtp])i?)?b?\s*$/i.exec(value);
  const parsed = form ? bytes.parse(`${form[1]}${form[2] ?? ''}b`) : null;
  if (parsed === null || !Number.isFinite(parsed))
    throw new InvalidArgumentError('expected a size such as 500MB, 5GB or 5GiB');
  return Math.floor(parsed);
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new InvalidArgumentError('expected a whole number from 1 to 256');
  return n;
}

export function positiveDays(value: string): number {
  const days = Number(value);
  if (!Number.isFinite(days) || days < 0) throw new InvalidArgumentError('expected a number of days');
  return days;
}

export function parseThreshold(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits) || bits < 0 || bits > 64)
    throw new InvalidArgumentError('expected a whole number of bits from 0 to 64');
  return bits;
}

/** `list --rating`: a number of stars from -1 (rejected) to 5, with an optional `+` (it means at least). */
export function parseRating(value: string): number {
  const m = /^\s*(-1|[0-5])\+?\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected a number of stars from -1 to 5, such as 4 or 4+');
  return Number(m[1]);
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
