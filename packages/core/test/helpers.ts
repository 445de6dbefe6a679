import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/real/', import.meta.url));
export const fixture = (name: string) => path.join(FIXTURES, name);
export const tempDir = (prefix: string) => mkdtemp(path.join(tmpdir(), `photolala-${prefix}-`));
