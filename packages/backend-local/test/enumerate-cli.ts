// Child process for tests that need one: enumerates a root and prints paths and issues as JSON. With
// `created` as second argument it only makes the source, neither walking nor closing it, and prints
// `created`: the process must still end on its own. With `read PATH`, it reads the file's head and
// whole content and prints the byte counts or error codes (a read that hangs hangs only this process).
// With `batches`, it takes the listing's batches instead of its entries one by one.
import type { PhotolalaError } from '@photolala/core';
import { catalogFilter } from '@photolala/core/internals';
import { createLocalSource } from '../src/index.js';

const root = process.argv[2]!;
const source = await createLocalSource({ root });
const codeOf = (error: unknown) => (error as PhotolalaError).code;
if (process.argv[3] === 'created') process.stdout.write('created');
else if (process.argv[3] === 'read') {
  const path = process.argv[4]!;
  const head = await source.readHead(path, 4096).then((b) => b.length, codeOf);
  const all = await source
    .readAll(path)
    .then(async (stream) => {
      let bytes = 0;
      for await (const chunk of stream) bytes += (chunk as Buffer).length;
      return bytes;
    })
    .catch(codeOf);
  process.stdout.write(JSON.stringify({ head, all }));
  await source.close?.();
} else {
  const paths: string[] = [];
  const issues: { path: string; code: string; skipped?: true }[] = [];
  const listing = source.enumerate({
    filter: catalogFilter,
    onIssue: (issue) =>
      issues.push({
        path: issue.path,
        code: codeOf(issue.error),
        ...(issue.skipped ? { skipped: true } : {}),
      }),
  });
  if (process.argv[3] === 'batches') {
    for await (const batch of listing.batches!()) for (const entry of batch) paths.push(entry.path);
  } else for await (const entry of listing) paths.push(entry.path);
  process.stdout.write(JSON.stringify({ paths, issues }));
}
