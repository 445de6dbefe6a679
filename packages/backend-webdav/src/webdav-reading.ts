import { PassThrough, type Readable } from 'node:stream';
import { destroyOnAbort, type ReadOptions, readStreamPrefix } from '@photolala/core/backend';
import type { WebDAVClient } from 'webdav';
import { statusOf, webdavErrors } from './errors.js';
import { bodyStream, type WebdavRequests, withRetry } from './webdav-requests.js';

/** What reading needs of a WebDAV source: its client, requests, and where a path is on the server. */
export interface WebdavReadContext {
  client: WebDAVClient;
  requests: WebdavRequests;
  /** The server's path of a relative path, spelt as the server has it. */
  located(rel: string): Promise<string>;
}

/**
 * `readHead` and `readAll` of a WebDAV source: a head is one ranged GET that stops reading after the
 * bytes needed, even when the server ignores Range.
 */
export function webdavReads({ client, requests, located }: WebdavReadContext) {
  const { request, timeoutError, attempts, timeoutMs } = requests;

  /** The first `bytes` of a file (fewer if it is shorter), all in one timed and retried request. */
  async function getHead(rel: string, headers: Record<string, string>, bytes: number, signal?: AbortSignal) {
    const stored = await located(rel);
    return request(async (timed) => {
      // The client's Response type is a subset of fetch's; at run time it is fetch's own.
      const response = (await client.customRequest(stored, {
        method: 'GET',
        headers,
        signal: timed,
      })) as unknown as Response;
      // At most `bytes`, then hang up: a server may ignore Range and send it all.
      return readStreamPrefix(bodyStream(response), bytes);
    }, signal);
  }

  async function readHead(rel: string, bytes: number, options: ReadOptions = {}): Promise<Buffer> {
    if (bytes <= 0) return Buffer.alloc(0);
    const { signal } = options;
    try {
      return await getHead(rel, { Range: `bytes=0-${bytes - 1}` }, bytes, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const status = statusOf(error);
      // 416: the range starts past the end, i.e. the file is empty.
      if (status === 416) return Buffer.alloc(0);
      if (status !== undefined && status !== 206) throw error;
      // Some servers answer a range over an empty file with a body they never send; ask without
      // Range (readStreamPrefix still stops after `bytes`).
      return getHead(rel, {}, bytes, signal);
    }
  }

  /**
   * The whole file as a stream. The answer is awaited with the timeout and retries; then the body
   * fails with the timeout error if no bytes come for `timeoutMs` while they are being read. The
   * caller's signal cancels the request, or the transfer, at any point.
   */
  async function readAll(rel: string, options: ReadOptions = {}): Promise<Readable> {
    const { signal } = options;
    const stored = await located(rel);
    let controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      const response = (await withRetry(
        attempts,
        async () => {
          controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), timeoutMs);
          try {
            return await client.customRequest(stored, { method: 'GET', signal: controller.signal });
          } catch (error) {
            if (signal?.aborted) throw signal.reason;
            throw controller.signal.aborted ? timeoutError() : error;
          } finally {
            clearTimeout(timer);
          }
        },
        signal,
      )) as unknown as Response;
      const body = bodyStream(response);
      const watched = new PassThrough();
      const idle = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      body.on('data', () => idle.refresh());
      // The abort destroys the body; the reader is told why.
      body.on('error', (error) =>
        watched.destroy(
          signal?.aborted ? signal.reason : webdavErrors.wrap(timedOut ? timeoutError() : error, rel, 'read'),
        ),
      );
      watched.on('close', () => {
        clearTimeout(idle);
        body.destroy();
        signal?.removeEventListener('abort', onAbort);
      });
      body.pipe(watched);
      return destroyOnAbort(watched, signal);
    } catch (error) {
      signal?.removeEventListener('abort', onAbort);
      throw error;
    }
  }

  return { readHead, readAll };
}
