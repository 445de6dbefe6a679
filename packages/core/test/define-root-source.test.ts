import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { defineRootSource, type ReadableRootSource } from '../src/backend.js';

const readSide: ReadableRootSource = {
  backend: 'memory',
  uri: 'memory://test',
  capabilities: { etags: false, mtimeResolutionMs: 1, remote: false },
  async *enumerate() {},
  readHead: async () => Buffer.alloc(0),
  readAll: async () => Readable.from([]),
};

describe('defineRootSource', () => {
  test('writeAtomic and remove are each optional on their own, and the capabilities follow them', () => {
    const writeOnly = defineRootSource(readSide, { writeAtomic: async () => {} });
    expect(writeOnly.capabilities).toMatchObject({ writable: true, removable: false });
    expect('remove' in writeOnly).toBe(false);
    const removeOnly = defineRootSource(readSide, { remove: async () => {} });
    expect(removeOnly.capabilities).toMatchObject({ writable: false, removable: true });
    expect('writeAtomic' in removeOnly).toBe(false);
    const both = defineRootSource(readSide, { writeAtomic: async () => {}, remove: async () => {} });
    expect(both.capabilities).toMatchObject({ writable: true, removable: true });
    const readOnly = defineRootSource(readSide);
    expect(readOnly.capabilities).toMatchObject({ writable: false, removable: false });
    expect(['writeAtomic', 'remove'].filter((key) => key in readOnly)).toEqual([]);
  });
});
