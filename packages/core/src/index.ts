export * from './enumerate-filter.js';
export * from './errors.js';
export * from './paths.js';
export * from './root-source.js';
export * from './root-uri.js';
