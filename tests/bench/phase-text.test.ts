import { expect, test } from 'vitest';
import { phaseText } from '../../bench/gallery-browser.js';

const phases = {
  listening: 900,
  htmlFirstByte: 950,
  htmlLoaded: 960,
  firstThumbnailAsked: 1000,
  lastThumbnailLoaded: 1400,
  painted: 1450,
};

test('the gallery bench prints the thumbnails phase it measured', () => {
  expect(phaseText(phases)).toBe('listen 900, html 950-960, thumbs 1000-1400, painted 1450');
});

test('a first screen that timed no thumbnail request says so, not "Infinity--Infinity"', () => {
  const line = phaseText({ ...phases, firstThumbnailAsked: Infinity, lastThumbnailLoaded: -Infinity });
  expect(line).toBe('listen 900, html 950-960, thumbs not measured, painted 1450');
  expect(line).not.toContain('Infinity');
});
