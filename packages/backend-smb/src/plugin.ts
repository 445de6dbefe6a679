import { type BackendPlugin, PhotolalaError, requestTimeoutFromEnv } from '@photolala/core/backend';
import { BACKEND } from './errors.js';
import { createSmbSource } from './smb-source.js';

/**
 * Opens `smb://[domain;]user[:password]@host[:port]/share/path` roots. The password comes from the
 * URI or, better (it stays out of shell history), from PHOTOLALA_SMB_PASSWORD; the user may also come
 * from PHOTOLALA_SMB_USER.
 */
export const photolalaBackend: BackendPlugin = {
  schemes: ['smb'],
  createSource: (_root, location, context) => {
    if (location.scheme !== 'smb') throw new TypeError(`not an SMB root: ${location.uri}`);
    const username = location.username ?? context.env.PHOTOLALA_SMB_USER;
    if (!username)
      throw new PhotolalaError(
        'AUTH_FAILED',
        `no user name for ${location.uri}: write smb://USER@host/share or set PHOTOLALA_SMB_USER`,
        { backend: BACKEND, path: location.uri },
      );
    const timeoutMs = requestTimeoutFromEnv(context.env);
    return createSmbSource({
      ...(timeoutMs !== undefined ? { timeoutMs: Math.max(100, timeoutMs) } : {}),
      host: location.host,
      ...(location.port !== undefined ? { port: location.port } : {}),
      share: location.share,
      path: location.path,
      ...(location.domain !== undefined ? { domain: location.domain } : {}),
      username,
      password: location.password ?? context.env.PHOTOLALA_SMB_PASSWORD ?? '',
      ...(context.readOnly ? { readOnly: true } : {}),
    });
  },
};
