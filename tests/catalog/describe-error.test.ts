import { describeError, PhotolalaError } from '@photolala/core';
import { expect, test } from 'vitest';

const coded = new PhotolalaError('UNAVAILABLE', 'cannot list "":\n  the server said: 503\n\n', {
  backend: 'x',
});

test('describeError keeps one line by default (a catalog row, a report line)', () => {
  expect(describeError(coded)).toBe('UNAVAILABLE: cannot list "":');
  expect(describeError(new Error('\n first\nsecond'))).toBe('first');
});

test('describeError with allLines gives every non-empty line, trimmed', () => {
  expect(describeError(coded, { allLines: true })).toBe('UNAVAILABLE: cannot list "":\nthe server said: 503');
  expect(describeError(coded, { code: false, allLines: true })).toBe('cannot list "":\nthe server said: 503');
  expect(describeError(new Error('a\r\n  b'), { allLines: true })).toBe('a\nb');
});
