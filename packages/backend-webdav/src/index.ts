export { photolalaBackend } from './plugin.js';
export { createWebdavSource, type WebdavSourceOptions } from './webdav-source.js';
