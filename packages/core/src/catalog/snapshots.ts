// A catalog's snapshots, by responsibility: finding and opening the newest good one (snapshot-load),
// checking a store's copy against its name (snapshot-copies), the database a catalog reads and writes
// (working-database), writing one (snapshot-serialize) and publishing it (snapshot-publish).
export * from './snapshot-copies.js';
export * from './snapshot-load.js';
export * from './snapshot-publish.js';
export * from './snapshot-serialize.js';
export * from './working-database.js';
