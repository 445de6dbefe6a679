import { describe, expect, it } from 'vitest';
import { thousands } from '../../packages/gallery/src/ui/numbers.js';

describe('the gallery page writes counts as toLocaleString("en") does', () => {
  it('groups whole numbers by three', () => {
    for (const n of [
      0, 1, 12, 999, 1000, 12_345, 100_000, 999_999, 1_000_000, 123_456_789, -1, -1234, -100_000,
    ])
      expect(thousands(n)).toBe(n.toLocaleString('en'));
  });

  it('leaves what is not a safe whole number as String() writes it', () => {
    expect(thousands(1.5)).toBe('1.5');
    expect(thousands(Number.NaN)).toBe('NaN');
  });
});
