export { createLocalSource, type LocalSourceOptions } from './local-source.js';
export { photolalaBackend } from './plugin.js';
