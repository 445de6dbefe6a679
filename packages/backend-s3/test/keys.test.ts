import { expect, test } from 'vitest';
import { relativeKey } from '../src/index.js';

test('listed keys become relative paths only when they stay inside the prefix', () => {
  expect(relativeKey('photos/2024/a.jpg', 'photos/')).toEqual({ path: '2024/a.jpg' });
  expect(relativeKey('a.jpg', '')).toEqual({ path: 'a.jpg' });
  expect(relativeKey('photos/2024/', 'photos/')).toEqual({ refused: 'a folder marker' });
  expect(relativeKey('other/a.jpg', 'photos/')).toEqual({ refused: 'outside the prefix' });
  for (const bad of [
    'photos/../etc/passwd',
    'photos/a/../../b.jpg',
    'photos/a//b.jpg',
    'photos/./a.jpg',
    'photos//a.jpg',
  ]) {
    const result = relativeKey(bad, 'photos/');
    expect('refused' in result, bad).toBe(true);
  }
  expect('refused' in relativeKey('photos/a\\b.jpg', 'photos/')).toBe(true);
  // The reason is the rule, ready for "key ... refused: REASON".
  expect(relativeKey('photos/a//b.jpg', 'photos/')).toEqual({
    refused: 'invalid path "a//b.jpg": empty segment',
  });
});
