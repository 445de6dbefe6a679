import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type CloudObjectStore, unlessMissing } from '@photolala/core/backend';
import { s3Errors } from './errors.js';

/** Objects at least this large are uploaded in parts (and so get a multipart ETag). */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;

/**
 * The cloud layout's object store on S3: `photos/`, `thumbnails/` and `catalogs/` keys of one bucket.
 * Core's `syncStarsToCloud` drives it; this file knows S3, not catalogs.
 */
export function createS3CloudStore(options: {
  bucket: string;
  client: S3Client;
  /** Uploads of at least this many bytes go in parts (default 16 MiB; S3's minimum part is 5 MiB). */
  multipartThreshold?: number;
}): CloudObjectStore {
  const { bucket: Bucket, client } = options;
  const threshold = Math.max(options.multipartThreshold ?? MULTIPART_THRESHOLD, 5 * 1024 * 1024);
  return {
    uri: `s3://${Bucket}`,
    async head(key) {
      const head = await unlessMissing(
        () => client.send(new HeadObjectCommand({ Bucket, Key: key })),
        (error) => s3Errors.wrap(error, key, 'look up'),
      );
      return head && { size: head.ContentLength ?? 0 };
    },
    async put(key, body, { contentType, size }) {
      try {
        if (size >= threshold && !(body instanceof Uint8Array)) {
          await new Upload({
            client,
            partSize: 5 * 1024 * 1024,
            params: { Bucket, Key: key, Body: body as Readable, ContentType: contentType },
          }).done();
        } else {
          const bytes = body instanceof Uint8Array ? body : await collect(body as Readable);
          await client.send(
            new PutObjectCommand({
              Bucket,
              Key: key,
              Body: bytes,
              ContentType: contentType,
              ContentLength: bytes.length,
            }),
          );
        }
      } catch (error) {
        throw s3Errors.wrap(error, key, 'upload');
      }
    },
    async delete(key) {
      await unlessMissing(
        () => client.send(new DeleteObjectCommand({ Bucket, Key: key })),
        (error) => s3Errors.wrap(error, key, 'delete'),
      );
    },
    get: (key) =>
      unlessMissing(
        async () => {
          const answer = await client.send(new GetObjectCommand({ Bucket, Key: key }));
          return answer.Body ? await collect(answer.Body as Readable) : Buffer.alloc(0);
        },
        (error) => s3Errors.wrap(error, key, 'download'),
      ),
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
