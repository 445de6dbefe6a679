import type { Catalog } from '@photolala/core';
import formatBytes from 'bytes';
import cliProgress from 'cli-progress';
import type { Output } from './output.js';

/** A live progress bar on stderr: a label, done of total, rate and ETA. */
export interface ProgressBar {
  /** Shows `done` of `total` under `label`; the rate counts what was done since the label last changed. */
  update(label: string, done: number, total: number): void;
  /** Clears the bar. Only the first call does anything (Ctrl-C clears it before the command ends). */
  stop(): void;
}

/**
 * The bar's format: cli-progress's own `{eta_formatted}` shows "LL" when it has no rate (0 of 0 left
 * at 0/s, as in an unchanged scan's writing phase), so the ETA is ours (`etaText`).
 */
export function barFormat(color: boolean, unit: string): string {
  return `{label} ${color ? '\u001b[36m{bar}\u001b[0m' : '{bar}'} {value}/{total}${unit ? ` ${unit}` : ''} | {rate}/s | ETA {etaText}`;
}

/** The time left at `rate` per second: "0s" when nothing is left, "--" while no rate is known. */
export function etaText(done: number, total: number, rate: number): string {
  const remaining = total - done;
  if (remaining <= 0) return '0s';
  if (!(rate > 0)) return '--';
  const seconds = Math.ceil(remaining / rate);
  if (seconds < 60) return `${seconds}s`;
  const two = (n: number) => String(n).padStart(2, '0');
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  if (seconds < 100 * 3600) return `${Math.floor(seconds / 3600)}h${two(Math.floor((seconds % 3600) / 60))}m`;
  return '>99h';
}

/**
 * Drawn only on a terminal: callers do not create one for `--json`, `--quiet` or a non-TTY stderr.
 * Labels are padded to one width so the bar does not jump when the label changes. `unit` follows the
 * counts ("12/80 files"); `formatAmount` instead writes each amount, and the rate, with its own unit
 * (bytes as "12.3MB").
 */
export function progressBar(
  color: boolean,
  unit: string,
  formatAmount?: (amount: number) => string,
): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: barFormat(color, unit),
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
      ...(formatAmount
        ? {
            formatValue: (value: number, _options: object, type: string) =>
              type === 'value' || type === 'total' ? formatAmount(value) : String(value),
          }
        : {}),
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  let label = '';
  let labelSince = Date.now();
  let doneAtLabel = 0;
  return {
    update(next, done, total) {
      if (stopped) return;
      if (next !== label) {
        label = next;
        labelSince = Date.now();
        doneAtLabel = done;
      }
      // The work done since the label was first shown, not before it: a bar that appears late (a
      // download already under way) does not start with a rate of megabytes per millisecond.
      const seconds = Math.max((Date.now() - labelSince) / 1000, 0.001);
      const rate = Math.round((done - doneAtLabel) / seconds);
      const shownTotal = Math.max(total, 1);
      const payload = {
        label: label.padEnd(11),
        rate: formatAmount ? formatAmount(rate) : rate,
        etaText: etaText(done, shownTotal, rate),
      };
      if (!started) {
        bar.start(shownTotal, done, payload);
        started = true;
      } else {
        bar.setTotal(shownTotal);
        bar.update(done, payload);
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (started) bar.stop();
    },
  };
}

/**
 * A bar of `unit` done under `label` where `out` is live, for core's `onProgress` callbacks (sync,
 * repair): spread `options` into the call, and `stop` when it is over. Elsewhere both do nothing.
 */
export function countBar(
  out: Output,
  label: string,
  unit: string,
): { options: { onProgress?: (done: number, total: number) => void }; stop(): void } {
  if (!out.live) return { options: {}, stop() {} };
  const bar = progressBar(out.options.color, unit);
  return { options: { onProgress: (done, total) => bar.update(label, done, total) }, stop: () => bar.stop() };
}

const bytesBar = (color: boolean) =>
  progressBar(color, '', (amount) => formatBytes(amount, { decimalPlaces: 1 }) ?? String(amount));

/**
 * A scan's progress on a bar: discovering, digesting, writing, then, while the snapshot is uploaded
 * to the root, its bytes. Returns the function that removes it.
 */
export function attachProgressBar(catalog: Catalog, color: boolean): () => void {
  const bar = progressBar(color, 'files');
  let upload: ProgressBar | undefined;
  const offProgress = catalog.events.on('progress', (p) => {
    if (p.phase === 'discover') bar.update('discovering', p.discovered, p.discovered);
    else if (p.phase === 'digest') bar.update('digesting', p.digested, p.total);
    // Writing follows the digest of every image; a scan that digested none shows its files.
    else if (p.total > 0) bar.update('writing', p.digested, p.total);
    else bar.update('writing', p.discovered, p.discovered);
  });
  const offUpload = catalog.events.on('snapshot-progress', ({ store, bytes, totalBytes }) => {
    // A store that reports only once, done (a local copy), has nothing to show.
    if (store !== 'root' || (!upload && bytes >= totalBytes)) return;
    if (!upload) {
      bar.stop();
      upload = bytesBar(color);
    }
    upload.update('saving', bytes, totalBytes);
  });
  return () => {
    offProgress();
    offUpload();
    bar.stop();
    upload?.stop();
  };
}

/**
 * A snapshot read while a catalog opens (a remote root's is downloaded) or written while it closes
 * (uploaded), as a bar of bytes. It is drawn only once the work has taken `afterMs`, so a quick open
 * or close draws nothing; `beforeShow` clears what the terminal said meanwhile. A store that cannot
 * tell the size shows what has been read as the total.
 */
export function delayedBytesBar(
  color: boolean,
  label: string,
  afterMs: number,
  beforeShow: () => void,
): { update(progress: { bytes: number; totalBytes: number | undefined }): void; stop(): void } {
  const bar = bytesBar(color);
  const startedAt = Date.now();
  let shown = false;
  return {
    update({ bytes, totalBytes }) {
      if (!shown) {
        if (bytes === 0 || Date.now() - startedAt < afterMs) return;
        beforeShow();
        shown = true;
      }
      bar.update(label, bytes, Math.max(totalBytes ?? 0, bytes));
    },
    stop: () => bar.stop(),
  };
}
