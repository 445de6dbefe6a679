import { type BackendPlugin, requestTimeoutFromEnv } from '@photolala/core/backend';
import { createWebdavSource } from './webdav-source.js';

/** Opens `webdav://` and `webdavs://` roots; the password comes from the URI or PHOTOLALA_WEBDAV_PASSWORD. */
export const photolalaBackend: BackendPlugin = {
  schemes: ['webdav', 'webdavs'],
  createSource: (_root, location, context) => {
    if (location.scheme !== 'webdav' && location.scheme !== 'webdavs')
      throw new TypeError(`not a WebDAV root: ${location.uri}`);
    const password = location.password ?? context.env.PHOTOLALA_WEBDAV_PASSWORD;
    const timeoutMs = requestTimeoutFromEnv(context.env);
    return createWebdavSource({
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      url: location.uri,
      ...(location.username !== undefined ? { username: location.username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(context.readOnly ? { readOnly: true } : {}),
    });
  },
};
