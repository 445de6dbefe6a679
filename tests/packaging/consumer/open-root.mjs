// An app that opens a root from its URI with core's openRoot and no importModule of its own: the
// backend must be found where the app installed it, whatever layout the package manager made.
// Prints {shard, files} as JSON, the files being the root's paths in order.
import { openRoot } from '@photolala/core';

const { source, shard } = await openRoot(process.argv[2]);
const files = [];
for await (const entry of source.enumerate()) files.push(entry.path);
files.sort();
process.stdout.write(`${JSON.stringify({ shard, files })}\n`);
