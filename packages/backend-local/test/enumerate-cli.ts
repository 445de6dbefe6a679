// Child process for tests that need one: enumerates a root and prints paths and issues as JSON. With
// `created` as second argument it only makes the source, neither walking nor closing it, and prints
// `created`: the process must still end on its own.
import { catalogFilter, type PhotolalaError } from '@photolala/core';
import { createLocalSource } from '../src/index.js';

const root = process.argv[2]!;
const source = await createLocalSource({ root });
if (process.argv[3] === 'created') process.stdout.write('created');
else {
  const paths: string[] = [];
  const issues: { path: string; code: string }[] = [];
  for await (const entry of source.enumerate({
    filter: catalogFilter,
    onIssue: (issue) => issues.push({ path: issue.path, code: (issue.error as PhotolalaError).code }),
  })) {
    paths.push(entry.path);
  }
  process.stdout.write(JSON.stringify({ paths, issues }));
}
