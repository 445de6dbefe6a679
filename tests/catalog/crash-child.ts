// Child process of the crash-safety test: scans a root over and over, toggling one photo in and out
// between scans, until it is killed. Prints "scanned N" after each published snapshot.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';

const [root, cacheDir, togglePath] = process.argv.slice(2) as [string, string, string];
const toggleBytes = await readFile(togglePath);
const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
for (let i = 0; ; i++) {
  const target = path.join(root, 'toggle.jpg');
  if (i % 2 === 0) await writeFile(target, toggleBytes);
  else await rm(target, { force: true });
  await catalog.scan();
  process.stdout.write(`scanned ${i}\n`);
}
