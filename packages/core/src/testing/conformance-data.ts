import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { everythingFilter } from '../source/enumerate-filter.js';
import { PhotolalaError } from '../source/errors.js';
import type { RootSource, SourceEntry } from '../source/root-source.js';

/** One file the root of a source under test must hold. */
export interface ConformanceFile {
  /** Relative `/` path; may contain NFD characters, which the source must report in NFC. */
  path: string;
  data: Uint8Array;
}

/** A source under test, and what the suite needs to know of how it holds the files it was given. */
export interface SourceUnderTest {
  source: RootSource;
  /**
   * The path the source lists a given file under (given its `ConformanceFile.path`), for a store
   * whose paths are its own: an Apple Photos library names its originals
   * `originals/{digit}/{UUID}.{ext}`. Two files in one top-level folder must map into one folder.
   * Default: the path itself, in NFC.
   */
  pathOf?: (path: string) => string;
}

/** Registers one test: its title, the files the root holds, and its body. */
export type DefineTest = (
  title: string,
  files: () => ConformanceFile[],
  body: (source: RootSource, pathOf: (path: string) => string) => Promise<void>,
) => void;

export const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

/** Content that differs at every offset, so a misplaced range cannot pass. */
export function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < length; i++) {
    // xorshift
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function collect(source: RootSource): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  for await (const entry of source.enumerate({ filter: everythingFilter })) entries.push(entry);
  return entries;
}

export async function readAllBytes(source: RootSource, path: string): Promise<Buffer> {
  const stream = await source.readAll(path);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * Asserts that `promise` rejects with a PhotolalaError of `code`, naming a backend: `backend` (the
 * source's own) where given.
 */
export async function expectCode(
  promise: Promise<unknown>,
  code: string,
  what: string,
  backend?: string,
): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      error instanceof PhotolalaError,
      `${what}: expected a PhotolalaError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    assert.equal(error.code, code, `${what}: expected code ${code}, got ${error.code} (${error.message})`);
    assert.ok(error.backend.length > 0, `${what}: error carries no backend name`);
    if (backend !== undefined)
      assert.equal(error.backend, backend, `${what}: the error names another backend (${error.message})`);
    return;
  }
  assert.fail(`${what}: expected ${code}, but it succeeded`);
}

const NFD_NAME = 'Cafe\u0301 Mu\u0308nchen.jpg';

/** The files most tests put in the root: sizes around the head size, spaces, NFD and CJK names, depth. */
export function standardFiles(): ConformanceFile[] {
  return [
    { path: 'top.bin', data: bytes(10_000, 1) },
    { path: 'small.bin', data: bytes(100, 2) },
    { path: 'exact.bin', data: bytes(4096, 3) },
    { path: 'empty.bin', data: new Uint8Array(0) },
    { path: 'with space/and more spaces.jpg', data: bytes(5000, 4) },
    { path: `unicode/${NFD_NAME}`, data: bytes(300, 5) },
    { path: 'unicode/日本語の写真.jpg', data: bytes(301, 6) },
    { path: 'a/b/c/d/e/f/g/h/deep.bin', data: bytes(7000, 7) },
    { path: 'a/sibling.bin', data: bytes(1, 8) },
  ];
}
