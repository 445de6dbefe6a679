import cliProgress from 'cli-progress';
import { expect, test } from 'vitest';
import { barFormat, etaText } from '../src/progress.js';

/**
 * The bar's line as cli-progress renders it, given cli-progress's own ETA and ours. Its ETA is the
 * string 'NULL' or 'INF' when it has no rate, whatever its types say.
 */
function render(done: number, total: number, rate: number, eta: number | string): string {
  const options = {
    format: barFormat(false, 'files'),
    barsize: 10,
    barCompleteString: '#'.repeat(10),
    barIncompleteString: '-'.repeat(10),
    barGlue: '',
    autopaddingChar: ' ',
  };
  const params = {
    progress: done / total,
    eta: eta as number,
    startTime: Date.now(),
    stopTime: null,
    value: done,
    total,
    maxWidth: 120,
  };
  const payload = { label: 'writing'.padEnd(11), rate, etaText: etaText(done, total, rate) };
  return cliProgress.Format.Formatter(options, params, payload);
}

test('an unchanged scan writing 17 of 17 files at 0/s shows ETA 0s, never "LL"', () => {
  // cli-progress's ETA is 'NULL' there (0 left at 0 per ms), which its time format cut to "LL".
  const line = render(17, 17, 0, 'NULL');
  expect(line).toBe('writing     ########## 17/17 files | 0/s | ETA 0s');
});

test('the ETA is the time left at the rate, and "--" while no rate is known', () => {
  expect(render(3, 17, 0, 'INF')).toContain('| ETA --');
  expect(etaText(10, 100, 3)).toBe('30s');
  expect(etaText(0, 1000, 10)).toBe('1m40s');
  expect(etaText(0, 7200 * 5, 5)).toBe('2h00m');
});
