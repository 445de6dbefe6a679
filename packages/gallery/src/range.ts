import { Readable } from 'node:stream';

/**
 * The byte range a `Range` header asks for, of a file of `size` bytes: `undefined` for the whole
 * file (no header, or several ranges, which a photo viewer never needs), `'unsatisfiable'` for 416.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return 'unsatisfiable';
  let start: number;
  let end: number;
  if (from === '') {
    // `bytes=-N`: the last N bytes.
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}

/**
 * The bytes `start..end` (inclusive) of a whole-file stream. RootSource reads files whole, so the
 * bytes before `start` are read and dropped; photos are small enough for that to be cheap.
 */
export function sliceStream(stream: Readable, start: number, end: number): Readable {
  async function* slice() {
    let offset = 0;
    try {
      for await (const chunk of stream) {
        const bytes = chunk as Buffer;
        const from = Math.max(start - offset, 0);
        const to = Math.min(end + 1 - offset, bytes.length);
        if (to > from) yield bytes.subarray(from, to);
        offset += bytes.length;
        if (offset > end) break;
      }
    } finally {
      stream.destroy();
    }
  }
  return Readable.from(slice());
}
