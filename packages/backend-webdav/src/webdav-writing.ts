import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import {
  joinRelative,
  PhotolalaError,
  type SourceEntry,
  streamFileCounting,
  TEMP_FILE_PREFIX,
  type WriteCondition,
} from '@photolala/core/backend';
import type { WebDAVClient } from 'webdav';
import { BACKEND, webdavErrors } from './errors.js';
import { isWeakETag, strongETag } from './etags.js';
import type { WebdavRequests } from './webdav-requests.js';

/** How long a weak ETag may take to turn strong: Apache's second after a write, and some margin. */
const WEAK_ETAG_SETTLE_MS = 1100;

const remote = (serverRel: string) => `/${serverRel}`;

/** What writing needs of a WebDAV source. */
export interface WebdavWriteContext {
  client: WebDAVClient;
  requests: WebdavRequests;
  /** A relative path as the server spells it (no leading slash). */
  spelled(rel: string): Promise<string>;
  /** The source's own `stat` (which throws NOT_FOUND for a missing file). */
  stat(rel: string): Promise<SourceEntry | undefined>;
  /** Whether the server enforces `If-Match`, when the caller knows; else the first conditional write finds out. */
  conditionalWrites?: boolean;
}

/**
 * Whether the server checks `If-Match` on a PUT: many (webdav-server, rclone) ignore it and write
 * anyway, and a `writeIfUnchanged` that does not hold back would only pretend. A PUT of an empty
 * temp file that does not exist, on the condition that it has an ETag, is refused with 412 by a
 * server that checks (RFC 9110) and costs nothing more; one that writes it has the file removed.
 * Anything else (a 403 on a share the user may only read, a timeout) counts as not checking.
 * Asked only before the first conditional write, never at open: a command that only reads (a
 * listing, a reopen, an unchanged rescan) writes nothing to the user's share, and pays no request.
 */
export async function enforcesConditions(client: WebDAVClient, { timed }: WebdavRequests): Promise<boolean> {
  const probe = remote(`${TEMP_FILE_PREFIX}probe-${randomBytes(6).toString('hex')}`);
  try {
    await timed((signal) =>
      client.putFileContents(probe, Buffer.alloc(0), {
        overwrite: true,
        headers: { 'If-Match': '"photolala-probe-no-such-etag"' },
        signal,
      }),
    );
  } catch (error) {
    return (error as { status?: number }).status === 412;
  }
  // Written: the name is a temp file's, which scans skip and a later open removes once stale.
  await timed((signal) => client.deleteFile(probe, { signal })).catch(() => {});
  return false;
}

/** `writeAtomic` (a PUT of a temp name, then MOVE over the target), `writeIfUnchanged` and `remove`. */
export function webdavWrites({ client, requests, spelled, stat, conditionalWrites }: WebdavWriteContext) {
  const { request, timed } = requests;
  let enforced: Promise<boolean> | undefined =
    conditionalWrites === undefined ? undefined : Promise.resolve(conditionalWrites);
  const serverEnforces = () => {
    enforced ??= enforcesConditions(client, requests);
    return enforced;
  };

  async function ensureFolder(serverDir: string): Promise<void> {
    if (serverDir === '') return;
    if (await request((signal) => client.exists(remote(serverDir), { signal }))) return;
    await request((signal) => client.createDirectory(remote(serverDir), { recursive: true, signal }));
  }

  async function writeAtomic(
    rel: string,
    data: Uint8Array | { copyOf: string },
    onBytes?: (bytes: number) => void,
  ): Promise<void> {
    const target = await spelled(rel);
    const slash = target.lastIndexOf('/');
    const dir = slash < 0 ? '' : target.slice(0, slash);
    const temp = joinRelative(dir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await ensureFolder(dir);
      // Each attempt sends the body anew (a fresh stream of the local file), so a PUT that failed
      // part way (5xx, a dropped connection, a stall) is retried like any other request.
      if ('copyOf' in data) {
        // Streamed from the local file, so a large snapshot never sits in memory.
        const { size } = await fsp.stat(data.copyOf);
        await request((signal, touch) =>
          client.putFileContents(
            remote(temp),
            streamFileCounting(data.copyOf, (bytes) => {
              touch();
              onBytes?.(bytes);
            }),
            { overwrite: true, contentLength: size, signal },
          ),
        );
      } else {
        const body = Buffer.from(data);
        await request((signal) => client.putFileContents(remote(temp), body, { overwrite: true, signal }));
      }
      await request((signal) => client.moveFile(remote(temp), remote(target), { overwrite: true, signal }));
    } catch (error) {
      await timed((signal) => client.deleteFile(remote(temp), { signal })).catch(() => {});
      throw error;
    }
  }

  /**
   * A PUT with `If-Match: "<etag>"` (the ETag `stat` reported) or `If-None-Match: *`, which the server
   * checks against the file as it stands; 412 Precondition Failed is `CONFLICT`. Offered only where
   * the server was found to enforce it. The PUT replaces the file in place, not by MOVE: a reader at
   * that instant may see it part written, which the catalog survives (pointer lines are validated one
   * by one, and the next valid snapshot is used), and the pointer is a few hundred bytes.
   */
  async function writeIfUnchanged(rel: string, data: Uint8Array, expected: WriteCondition): Promise<void> {
    if (!(await serverEnforces())) return writeCheckedFirst(rel, data, expected);
    let condition = expected;
    if ('ifMatch' in expected && isWeakETag(expected.ifMatch)) {
      const strong = await firmETag(rel, expected.ifMatch);
      // A tag that stays weak can never satisfy If-Match: written as on a server without ETags.
      if (strong === undefined) return writeAtomic(rel, data);
      condition = { ifMatch: strong };
    }
    const target = await spelled(rel);
    const slash = target.lastIndexOf('/');
    const headers: Record<string, string> =
      'ifMatch' in condition ? { 'If-Match': `"${condition.ifMatch}"` } : { 'If-None-Match': '*' };
    const body = Buffer.from(data);
    await ensureFolder(slash < 0 ? '' : target.slice(0, slash));
    await request((signal) =>
      client.putFileContents(remote(target), body, { overwrite: true, headers, signal }),
    );
  }

  /**
   * The strong form of a weak ETag the file still has. Apache marks a file's ETag weak for the second
   * after it was written (its time might yet change within that second) and refuses If-Match on it,
   * and the pointer is the file most recently written when two machines publish at once; once the
   * second is past, the same tag comes back strong. So wait that second and look again: the same tag,
   * now strong, is returned; a different one means the file changed (CONFLICT); still weak, it never
   * firms up on this server (undefined).
   */
  async function firmETag(rel: string, weak: string): Promise<string | undefined> {
    await new Promise((resolve) => setTimeout(resolve, WEAK_ETAG_SETTLE_MS));
    const now = (
      await stat(rel).catch((error: unknown) => {
        if (webdavErrors.codeOf(error) === 'NOT_FOUND') return undefined;
        throw error;
      })
    )?.etag;
    if (now === strongETag(weak)) return now;
    if (now === weak) return undefined;
    throw new PhotolalaError(
      'CONFLICT',
      `cannot write ${JSON.stringify(rel)}: it changed since it was read`,
      {
        backend: BACKEND,
        path: rel,
      },
    );
  }

  /**
   * On a server that ignores `If-Match` (webdav-server, rclone): the condition is checked against a
   * `stat` made just before the write, which is then atomic (temp name and MOVE). A write by another
   * machine between the two is not caught, as no write was checked at all before; one made since the
   * caller read the file is `CONFLICT`, as on a server that checks.
   */
  async function writeCheckedFirst(rel: string, data: Uint8Array, expected: WriteCondition): Promise<void> {
    const now = await stat(rel).catch((error: unknown) => {
      if (webdavErrors.codeOf(error) === 'NOT_FOUND') return undefined;
      throw error;
    });
    const holds =
      'ifMatch' in expected
        ? now?.etag !== undefined && strongETag(now.etag) === strongETag(expected.ifMatch)
        : now === undefined;
    if (!holds)
      throw new PhotolalaError(
        'CONFLICT',
        `cannot write ${JSON.stringify(rel)}: it changed since it was read`,
        {
          backend: BACKEND,
          path: rel,
        },
      );
    await writeAtomic(rel, data);
  }

  async function remove(rel: string): Promise<void> {
    const stored = await spelled(rel);
    await request((signal) => client.deleteFile(remote(stored), { signal }));
  }

  return { writeAtomic, writeIfUnchanged, remove };
}
