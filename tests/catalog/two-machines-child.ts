// A "machine" of the two-machines test over WebDAV: with a cache folder of its own, for each photo
// it opens the root's catalog, stars the photo, says "ready" and waits for a line on stdin, then
// closes (which publishes). The test sends that line to both machines at once, so that their
// publishes race, as two computers sharing a NAS would.
import readline from 'node:readline';
import { createWebdavSource } from '@photolala/backend-webdav';
import { openCatalog } from '@photolala/core';

const [url, cacheDir, auth, ...photos] = process.argv.slice(2) as [string, string, string, ...string[]];
// `user:password`, or `-` for none.
const [username, password] = auth === '-' ? [] : auth.split(':');
const go = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
for (const photo of photos) {
  const source = await createWebdavSource({ url, ...(username ? { username, password } : {}) });
  if (!source.writeIfUnchanged) throw new Error('the source offers no writeIfUnchanged');
  const catalog = await openCatalog(source, { cacheDir });
  await catalog.star(photo);
  process.stdout.write('ready\n');
  await go.next();
  await catalog.close();
}
process.stdout.write('done\n');
process.exit(0);
