import type { Catalog } from '@photolala/core';
import cliProgress from 'cli-progress';

/** A live progress bar on stderr: a label, done of total, rate and ETA. */
export interface ProgressBar {
  /** Shows `done` of `total` under `label`; the rate is counted from when the label last changed. */
  update(label: string, done: number, total: number): void;
  /** Clears the bar. Only the first call does anything (Ctrl-C clears it before the command ends). */
  stop(): void;
}

/**
 * Drawn only on a terminal: callers do not create one for `--json`, `--quiet` or a non-TTY stderr.
 * Labels are padded to one width so the bar does not jump when the label changes.
 */
export function progressBar(color: boolean, unit: string): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `{label} ${color ? '\u001b[36m{bar}\u001b[0m' : '{bar}'} {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  let label = '';
  let labelSince = Date.now();
  return {
    update(next, done, total) {
      if (stopped) return;
      if (next !== label) {
        label = next;
        labelSince = Date.now();
      }
      const seconds = Math.max((Date.now() - labelSince) / 1000, 0.001);
      const payload = { label: label.padEnd(11), rate: Math.round(done / seconds) };
      const shownTotal = Math.max(total, 1);
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

/** A scan's progress on a bar: discovering, digesting, writing. Returns the function that removes it. */
export function attachProgressBar(catalog: Catalog, color: boolean): () => void {
  const bar = progressBar(color, 'files');
  const off = catalog.events.on('progress', (p) => {
    if (p.phase === 'discover') bar.update('discovering', p.discovered, p.discovered);
    else if (p.phase === 'digest') bar.update('digesting', p.digested, p.total);
    // Writing follows the digest of every image; a scan that digested none shows its files.
    else if (p.total > 0) bar.update('writing', p.digested, p.total);
    else bar.update('writing', p.discovered, p.discovered);
  });
  return () => {
    off();
    bar.stop();
  };
}
