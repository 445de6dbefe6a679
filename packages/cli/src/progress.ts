import type { Catalog } from '@photolala/core';
import cliProgress from 'cli-progress';

/**
 * A live progress bar on stderr for a scan: phase, files done of total, rate and ETA. Drawn only on
 * a terminal; callers do not create one for `--json`, `--quiet` or a non-TTY stderr.
 */
export function attachProgressBar(catalog: Catalog, color: boolean): () => void {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `{phase} ${color ? '\u001b[36m{bar}\u001b[0m' : '{bar}'} {value}/{total} files | {rate}/s | ETA {eta_formatted}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let phaseStart = Date.now();
  let phase = '';
  const off = catalog.events.on('progress', (p) => {
    const label =
      p.phase === 'discover' ? 'discovering' : p.phase === 'digest' ? 'digesting  ' : 'writing    ';
    if (phase !== p.phase) {
      phase = p.phase;
      phaseStart = Date.now();
    }
    const value = p.phase === 'discover' ? p.discovered : p.digested;
    const total = p.phase === 'discover' ? Math.max(p.discovered, 1) : Math.max(p.total, 1);
    const seconds = Math.max((Date.now() - phaseStart) / 1000, 0.001);
    const payload = { phase: label, rate: Math.round(value / seconds) };
    if (!started) {
      bar.start(total, value, payload);
      started = true;
    } else {
      bar.setTotal(total);
      bar.update(value, payload);
    }
  });
  // Called on Ctrl-C and again when the scan ends: only the first call does anything.
  let detached = false;
  return () => {
    if (detached) return;
    detached = true;
    off();
    if (started) bar.stop();
  };
}
