// A third-party backend that lives outside packages/, to test the CLI's plug-in mechanism.
// `alias:///abs/path` roots are served read-only from a local folder, with a tiny RootSource of
// its own (no writeAtomic: the catalog must fall back to the cache mirror). With
// ALIAS_WRITE_DELAY_MS set, the root is writable, and each write waits that long first (a slow store);
// ALIAS_WRITE_CHUNK_DELAY_MS slows writeAtomicFromFile's copy further, chunk by chunk.
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fromSystemError, joinRelative, resolveInside, writeFileAtomic } from '@photolala/core';
import { everythingFilter } from '@photolala/core/backend';

async function* slowChunks(file, delayMs) {
  for await (const chunk of createReadStream(file, { highWaterMark: 16 * 1024 })) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    yield chunk;
  }
}

async function createAliasSource(uri) {
  const dir = decodeURIComponent(new URL(uri).pathname);
  const backend = 'alias';
  const writeDelay = process.env.ALIAS_WRITE_DELAY_MS;
  const writes =
    writeDelay === undefined
      ? {}
      : {
          async writeAtomic(p, data) {
            await new Promise((resolve) => setTimeout(resolve, Number(writeDelay)));
            await writeFileAtomic(resolveInside(dir, p, backend), data);
          },
          // Copied 16 KiB at a time, each after ALIAS_WRITE_CHUNK_DELAY_MS, telling onBytes: a slow upload.
          async writeAtomicFromFile(p, localFile, onBytes) {
            await new Promise((resolve) => setTimeout(resolve, Number(writeDelay)));
            const delayMs = Number(process.env.ALIAS_WRITE_CHUNK_DELAY_MS ?? 0);
            const chunks = [];
            let sent = 0;
            for await (const chunk of createReadStream(localFile, { highWaterMark: 16 * 1024 })) {
              if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
              chunks.push(chunk);
              sent += chunk.length;
              onBytes?.(sent);
            }
            await writeFileAtomic(resolveInside(dir, p, backend), Buffer.concat(chunks));
          },
          async remove(p) {
            await fs.rm(resolveInside(dir, p, backend), { force: true });
          },
        };
  return {
    backend,
    uri,
    capabilities: {
      writable: writeDelay !== undefined,
      removable: writeDelay !== undefined,
      etags: false,
      mtimeResolutionMs: 1,
      remote: false,
    },
    ...writes,
    async *enumerate(options = {}) {
      const filter = options.filter ?? everythingFilter;
      // For the CLI's Ctrl-C test: say that listing began, then list slowly.
      const delayMs = Number(process.env.ALIAS_LIST_DELAY_MS ?? 0);
      if (process.env.ALIAS_LISTING_MARKER) await fs.writeFile(process.env.ALIAS_LISTING_MARKER, 'listing');
      const stack = [''];
      while (stack.length) {
        const rel = stack.pop();
        for (const d of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
          const child = joinRelative(rel, d.name.normalize('NFC'));
          if (d.isDirectory() && filter.directory(d.name, child)) stack.push(child);
          else if (d.isFile() && filter.file(d.name, child)) {
            const info = await fs.stat(path.join(dir, child));
            if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
            yield { path: child, size: info.size, mtimeMs: Math.floor(info.mtimeMs) };
          }
        }
      }
    },
    async readHead(p, bytes) {
      try {
        const handle = await fs.open(resolveInside(dir, p, backend));
        try {
          const buffer = Buffer.alloc(bytes);
          const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
          return buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw fromSystemError(error, backend, p, 'read');
      }
    },
    async readAll(p) {
      // For the CLI's test of a slow first open: a store that is slow to answer.
      const readDelayMs = Number(process.env.ALIAS_READ_DELAY_MS ?? 0);
      if (readDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, readDelayMs));
      try {
        const file = resolveInside(dir, p, backend);
        await fs.access(file);
        // For the CLI's test of a slow download: small chunks, each after a pause.
        const chunkDelayMs = Number(process.env.ALIAS_CHUNK_DELAY_MS ?? 0);
        if (chunkDelayMs > 0) return Readable.from(slowChunks(file, chunkDelayMs), { objectMode: false });
        return createReadStream(file);
      } catch (error) {
        throw fromSystemError(error, backend, p, 'read');
      }
    },
  };
}

export const photolalaBackend = {
  schemes: ['alias'],
  createSource: (root) => createAliasSource(root),
};
