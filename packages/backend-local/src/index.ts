export { createLocalSource, type LocalSourceOptions } from './local-source.js';
