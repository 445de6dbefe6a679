import { describe, expect, test } from 'vitest';
import {
  describeError,
  isPhotolalaError,
  isTransientFailure,
  PhotolalaError,
  unlessMissing,
} from '../src/source/errors.js';

// A second copy of the module, as a plug-in or a published test suite that resolves its own copy of
// @photolala/core has: the same code, another class object.
const secondCopy: string = '../src/source/errors.ts?second-copy';
const other = (await import(secondCopy)) as typeof import('../src/source/errors.js');

describe('PhotolalaError across copies of core', () => {
  const foreign = new other.PhotolalaError('NOT_FOUND', 'no such file: a.jpg', {
    backend: 'plug-in',
    path: 'a.jpg',
  });

  test('the second copy is another class', () => {
    expect(other.PhotolalaError).not.toBe(PhotolalaError);
  });

  test('an error made by another copy is recognised, with its code', () => {
    expect(foreign instanceof PhotolalaError).toBe(true);
    expect(isPhotolalaError(foreign)).toBe(true);
    expect(isPhotolalaError(foreign, 'NOT_FOUND')).toBe(true);
    expect(isPhotolalaError(foreign, 'IO')).toBe(false);
    expect(describeError(foreign)).toBe('NOT_FOUND: no such file: a.jpg');
  });

  test('a missing file from another copy is an answer to unlessMissing', async () => {
    await expect(
      unlessMissing(async () => {
        throw foreign;
      }),
    ).resolves.toBeUndefined();
  });

  test('plain errors, look-alikes and subclasses are told apart', () => {
    expect(isPhotolalaError(new Error('x'))).toBe(false);
    const lookalike = Object.assign(new Error('x'), { name: 'PhotolalaError', code: 'NOT_FOUND' });
    expect(isPhotolalaError(lookalike)).toBe(false);
    expect(isPhotolalaError(null)).toBe(false);
    expect(({ code: 'IO' } as object) instanceof PhotolalaError).toBe(false);
    class Special extends PhotolalaError {}
    expect(new Special('IO', 'x', { backend: 'b' }) instanceof Special).toBe(true);
    expect(foreign instanceof Special).toBe(false);
  });

  test('a transient failure is told by its code, from an error of any copy, never by a message', () => {
    expect(isTransientFailure('UNAVAILABLE')).toBe(true);
    expect(isTransientFailure(foreign)).toBe(true);
    expect(isTransientFailure(new PhotolalaError('CORRUPT', 'IO: looks transient', { backend: 'b' }))).toBe(
      false,
    );
    expect(isTransientFailure('CORRUPT')).toBe(false);
    expect(isTransientFailure(null)).toBe(false);
    // A reason as describeError writes it is text, not a code.
    expect(isTransientFailure(describeError(foreign) as never)).toBe(false);
  });
});
