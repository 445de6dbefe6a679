import { expect, test } from 'vitest';
import { z } from 'zod';
import { metadataDocumentSchema } from '../src/index.js';
import { documentWithoutExif } from './documents.js';

// metadataDocumentSchema is built, and zod loaded, on first use (lazySchema): the public value must
// still behave as the zod schema itself, for the caller's own copy of zod too.

const document = documentWithoutExif({
  photoMd5: '0123456789abcdef0123456789abcdef',
  size: 1234,
  takenAt: '2024-05-01T10:00:00',
  takenAtSource: 'DateTimeOriginal',
  width: 4,
  height: 3,
  storedWidth: 4,
  storedHeight: 3,
});

test('metadataDocumentSchema parses, rejects and composes as a zod object schema', () => {
  expect(metadataDocumentSchema.parse({ ...document, extra: 1 })).toEqual(document);
  const failed = metadataDocumentSchema.safeParse({ ...document, orientation: 9 });
  expect(failed.success).toBe(false);
  expect(failed.error?.issues.map((issue) => issue.path)).toEqual([['orientation']]);
  expect(() => metadataDocumentSchema.parse({ ...document, version: 2 })).toThrow(z.ZodError);

  expect(metadataDocumentSchema).toBeInstanceOf(z.ZodObject);
  expect(Object.keys(metadataDocumentSchema.shape)).toContain('photoMd5');
  expect('shape' in metadataDocumentSchema).toBe(true);
  const wrapped = z.object({ doc: metadataDocumentSchema });
  expect(wrapped.safeParse({ doc: document }).success).toBe(true);
  expect(wrapped.safeParse({ doc: { ...document, size: -1 } }).success).toBe(false);
  const extended = metadataDocumentSchema.extend({ note: z.string() });
  expect(extended.parse({ ...document, note: 'n' })).toEqual({ ...document, note: 'n' });
  expect(Object.keys(z.toJSONSchema(metadataDocumentSchema).properties ?? {})).toContain('takenAt');
});
