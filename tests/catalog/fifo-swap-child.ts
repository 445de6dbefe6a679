// Child process of the FIFO test: scans a root through a local source that swaps `victim` for a FIFO
// at the worst moment, and prints the scan's result as JSON. `head`: after the listing named it and
// before its head is read (heads are not read along with the listing); `all`: after its head was read
// and before the digest reads it whole. Run apart so that a read blocked on the FIFO hangs only this
// process, which the test kills.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog, type RootSource } from '@photolala/core';

const [root, cacheDir, victim, moment] = process.argv.slice(2) as [string, string, string, 'head' | 'all'];
const swap = () => {
  rmSync(path.join(root, victim));
  execFileSync('mkfifo', [path.join(root, victim)]);
};
const local = await createLocalSource({ root });
const source: RootSource = {
  ...local,
  async *enumerate(options) {
    for await (const entry of local.enumerate({ ...options, headBytes: undefined })) {
      if (moment === 'head' && entry.path === victim) swap();
      yield entry;
    }
  },
  async readHead(file, bytes) {
    const head = await local.readHead(file, bytes);
    if (moment === 'all' && file === victim) swap();
    return head;
  },
};
const catalog = await openCatalog(source, { cacheDir });
const result = await catalog.scan();
await catalog.close();
process.stdout.write(
  JSON.stringify({
    entries: result.entries,
    paths: result.added,
    digested: result.digested,
    skipped: result.skipped,
    failed: result.failed,
  }),
);
