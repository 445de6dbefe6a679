import { describe, expect, test } from 'vitest';
import { isPhotolalaError, validateRelativePath } from '../src/index.js';

/** The rules, one by one, as validateRelativePath stated them before its fast path. */
function referenceVerdict(path: string): string {
  if (path.length === 0) return 'empty';
  if (path.length > 4096) return 'too long';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it tests
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'control character';
  if (path.includes('\\')) return 'backslash';
  if (path.startsWith('/')) return 'absolute';
  if (/^[a-zA-Z]:/.test(path)) return 'drive letter';
  if (/\p{Surrogate}/u.test(path)) return 'lone surrogate (not valid Unicode)';
  for (const segment of path.split('/')) {
    if (segment === '') return 'empty segment';
    if (segment === '.' || segment === '..') return `"${segment}" segment`;
  }
  return `ok ${path.normalize('NFC')}`;
}

function verdict(path: string): string {
  try {
    return `ok ${validateRelativePath(path, 'test')}`;
  } catch (error) {
    if (!isPhotolalaError(error, 'INVALID_PATH')) throw error;
    return /: ([^:]+)$/.exec(error.message)?.[1] ?? error.message;
  }
}

describe('validateRelativePath', () => {
  test('accepts relative paths and returns them in NFC', () => {
    expect(verdict('2024/01/IMG_0001.JPG')).toBe('ok 2024/01/IMG_0001.JPG');
    expect(verdict('.hidden/..dots/a..b/...')).toBe('ok .hidden/..dots/a..b/...');
    expect(verdict('caf\u0065\u0301/x.jpg')).toBe('ok caf\u00e9/x.jpg');
    expect(verdict('right\u202egpj.jpg')).toBe('ok right\u202egpj.jpg');
    expect(verdict('smile \ud83d\ude00.jpg')).toBe('ok smile \ud83d\ude00.jpg');
  });

  test('names what is wrong with a path', () => {
    const cases: Record<string, string> = {
      '': 'empty',
      ['a'.repeat(4097)]: 'too long',
      'a\nb': 'control character',
      'a\u007fb': 'control character',
      'new\u001b[2J.jpg': 'control character',
      'a\\b': 'backslash',
      '/etc/passwd': 'absolute',
      'C:photo.jpg': 'drive letter',
      'a\ud800b.jpg': 'lone surrogate (not valid Unicode)',
      'end\udc00': 'lone surrogate (not valid Unicode)',
      'a//b': 'empty segment',
      'a/': 'empty segment',
      'a/./b': '"." segment',
      '.': '"." segment',
      '../outside': '".." segment',
      'a/b/..': '".." segment',
      'a/é/../b': '".." segment',
    };
    for (const [path, why] of Object.entries(cases)) expect(verdict(path), JSON.stringify(path)).toBe(why);
  });

  test('its fast path agrees with the rules one by one, on 200,000 random paths', () => {
    // An alphabet weighted towards what the rules look at.
    const alphabet = [
      'a',
      'B',
      '1',
      '.',
      '.',
      '/',
      '/',
      ':',
      // Next to letters in code: "@:" and "[:" (0x40, 0x5b) are no drive letters, "~" and "`" are printable.
      '@',
      '[',
      '`',
      '~',
      '\\',
      ' ',
      '\n',
      '\u007f',
      'é',
      'e\u0301',
      '\u202e',
      // Halves of one emoji: a pair when they meet in order, a lone surrogate otherwise.
      '\ud83d',
      '\ude00',
    ];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let accepted = 0;
    for (let i = 0; i < 200_000; i++) {
      let path = '';
      for (let length = random(9); length > 0; length--) path += alphabet[random(alphabet.length)];
      const expected = referenceVerdict(path);
      if (expected.startsWith('ok ')) accepted++;
      if (verdict(path) !== expected) expect(verdict(path), JSON.stringify(path)).toBe(expected);
    }
    // Both sides of the rules were exercised.
    expect(accepted).toBeGreaterThan(10_000);
    expect(accepted).toBeLessThan(190_000);
  });
});
