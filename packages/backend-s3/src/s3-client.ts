import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { z } from 'zod';

export const s3SourceOptions = z.object({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid bucket name'),
  /** Key prefix of the root, without leading or trailing slash (`''` for the whole bucket). */
  prefix: z.string().default(''),
  region: z.string().optional(),
  /** For S3-compatible stores (MinIO, R2, Wasabi, s3rver): their endpoint URL. */
  endpoint: z.string().url().optional(),
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible stores. */
  forcePathStyle: z.boolean().optional(),
  credentials: z
    .object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() })
    .optional(),
  /**
   * `WHEN_REQUIRED` turns off the SDK's default aws-chunked CRC32 uploads and checksum validation,
   * which some S3-compatible servers store with the data or reject. Real AWS keeps the defaults.
   */
  checksums: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']).optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /** A request with no answer for this long fails (and is retried); default 60 s. */
  requestTimeoutMs: z.number().int().positive().optional(),
  readOnly: z.boolean().optional(),
});

export type S3SourceOptions = z.input<typeof s3SourceOptions> & {
  /** A ready client (custom retries, tests); region/endpoint/credentials are then ignored. */
  client?: S3Client;
};

const ignore = () => {};
const SILENT_LOGGER = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/** An S3 client from the same options `createS3Source` takes (for cloud sync and tools). */
export function createS3Client(
  options: Omit<z.input<typeof s3SourceOptions>, 'bucket' | 'prefix' | 'readOnly'>,
): S3Client {
  const parsed = s3SourceOptions.omit({ bucket: true, prefix: true, readOnly: true }).parse(options);
  const config: S3ClientConfig = {
    ...(parsed.region ? { region: parsed.region } : {}),
    ...(parsed.endpoint ? { endpoint: parsed.endpoint } : {}),
    ...(parsed.forcePathStyle !== undefined ? { forcePathStyle: parsed.forcePathStyle } : {}),
    ...(parsed.credentials ? { credentials: parsed.credentials } : {}),
    ...(parsed.maxAttempts ? { maxAttempts: parsed.maxAttempts } : {}),
    // The SDK's default logger logs nothing, except that it writes to the console whenever a request
    // with a streamed body fails; writeAtomicFromFile retries those itself and reports what is left.
    logger: SILENT_LOGGER,
    // Without a timeout a server that never answers hangs the scan; the SDK then retries with backoff.
    requestHandler: { requestTimeout: parsed.requestTimeoutMs ?? 60_000, throwOnRequestTimeout: true },
    ...(parsed.checksums
      ? { requestChecksumCalculation: parsed.checksums, responseChecksumValidation: parsed.checksums }
      : {}),
  };
  return new S3Client(config);
}
