import { describe, expect, test } from 'vitest';
import { isWeakETag, strongETag } from '../src/etags.js';

describe('ETags', () => {
  test('a weak tag is the strong one it turns into; a strong tag is itself', () => {
    expect(strongETag('W/abc-123')).toBe('abc-123');
    expect(strongETag('abc-123')).toBe('abc-123');
    // Only the prefix marks weakness: a tag that merely contains W/ is strong.
    expect(strongETag('xW/y')).toBe('xW/y');
    expect(isWeakETag('W/abc')).toBe(true);
    expect(isWeakETag('abc')).toBe(false);
    expect(isWeakETag('w/abc')).toBe(false);
  });
});
