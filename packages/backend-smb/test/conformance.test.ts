import { runRootSourceConformance } from '@photolala/core/testing';
import { test } from 'vitest';
import { useSambaRoots } from './roots.js';

const roots = useSambaRoots();

runRootSourceConformance({
  name: 'smb (Samba smbd)',
  test,
  timeoutMs: 60_000,
  createSource: (files) => roots.create(files),
});
