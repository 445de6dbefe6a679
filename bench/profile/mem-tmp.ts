import { createLocalSource } from '@photolala/backend-local';

const rss = () => Math.round(process.memoryUsage.rss() / 1048576);
console.log('start', rss());
const source = await createLocalSource({ root: process.argv[2]!, readOnly: true });
await new Promise((r) => setTimeout(r, 300));
console.log('worker started', rss());
let n = 0;
for await (const _ of source.enumerate()) n++;
console.log('after walk', n, rss());
await source.close?.();
await new Promise((r) => setTimeout(r, 300));
console.log('after close', rss());
