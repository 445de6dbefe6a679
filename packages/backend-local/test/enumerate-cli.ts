// Child process for the permission test: enumerates a root and prints paths and issues as JSON.
import { catalogFilter, type PhotolalaError } from '@photolala/core';
import { createLocalSource } from '../src/index.js';

const root = process.argv[2]!;
const source = await createLocalSource({ root });
const paths: string[] = [];
const issues: { path: string; code: string }[] = [];
for await (const entry of source.enumerate({
  filter: catalogFilter,
  onIssue: (issue) => issues.push({ path: issue.path, code: (issue.error as PhotolalaError).code }),
})) {
  paths.push(entry.path);
}
process.stdout.write(JSON.stringify({ paths, issues }));
