// Child process of the star-journal test: stars and unstars the given paths (`+a.jpg`, `-b.jpg`),
// then exits without saving, as a crash or an app that never calls save() would.
import { createLocalSource } from '@photolala/backend-local';
import { openCatalog } from '@photolala/core';

const [root, cacheDir, ...changes] = process.argv.slice(2) as [string, string, ...string[]];
const catalog = await openCatalog(await createLocalSource({ root }), { cacheDir });
for (const change of changes) {
  if (change.startsWith('+')) await catalog.star(change.slice(1));
  else await catalog.unstar(change.slice(1));
}
process.stdout.write('changed\n');
process.exit(0);
