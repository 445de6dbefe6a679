export { photolalaBackend } from './plugin.js';
export { createSmbSource, type SmbSourceOptions } from './smb-source.js';
