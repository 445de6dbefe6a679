import { galleryUrl } from '@photolala/gallery';
import { expect, test } from 'vitest';

test('the gallery URL brackets an IPv6 host and carries the token encoded', () => {
  expect(galleryUrl('127.0.0.1', 7447, '0123abcd')).toBe('http://127.0.0.1:7447/?token=0123abcd');
  expect(galleryUrl('::1', 80, 't')).toBe('http://[::1]:80/?token=t');
  expect(galleryUrl('fe80::1', 80, 't')).toBe('http://[fe80::1]:80/?token=t');
  const url = new URL(galleryUrl('192.168.1.2', 8080, 'a&b#c+d%e f'));
  expect(url.hostname).toBe('192.168.1.2');
  expect(url.searchParams.get('token')).toBe('a&b#c+d%e f');
});
