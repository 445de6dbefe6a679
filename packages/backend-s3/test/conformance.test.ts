import { runRootSourceConformance } from '@photolala/core/testing';
import { test } from 'vitest';
import { S3RVER_QUIRKS, useS3Roots } from './roots.js';

const roots = useS3Roots('conformance');

runRootSourceConformance({
  name: 's3 (s3rver)',
  test,
  timeoutMs: 60_000,
  features: S3RVER_QUIRKS,
  createSource: (files) => roots.create(files),
});
