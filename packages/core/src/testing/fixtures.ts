import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';

/**
 * Writes `files` (relative `/` paths and their content) into a new temp folder and returns its path:
 * the root a test serves through a backend (a local folder, a Samba share, a WebDAV server). The
 * caller removes it.
 */
export async function writeTempTree(
  files: Iterable<{ path: string; data: Uint8Array | string }>,
  prefix = 'photolala-tree-',
): Promise<string> {
  const root = await mkdtemp(nodePath.join(tmpdir(), prefix));
  for (const file of files) {
    const full = nodePath.join(root, ...file.path.split('/'));
    await mkdir(nodePath.dirname(full), { recursive: true });
    await writeFile(full, file.data);
  }
  return root;
}

/** A TCP port free on 127.0.0.1 just now, for a test server to listen on. */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
