// A third-party backend whose roots fail to open with the error FAILING_BACKEND_ERROR names, for the
// CLI's tests of how it prints a failure: `coded` (a PhotolalaError whose message has the server's
// reason on its second line and the password on its third), `plain` (an Error of three lines).
import { PhotolalaError } from '@photolala/core/backend';

function failure() {
  const secret = process.env.PHOTOLALA_WEBDAV_PASSWORD ?? '';
  if (process.env.FAILING_BACKEND_ERROR === 'plain')
    return new Error('the store refused the session\n  because: quota exceeded\n\nsee the store console');
  // AUTH_FAILED, not UNAVAILABLE: a root that cannot be reached is opened from the cache instead.
  return new PhotolalaError(
    'AUTH_FAILED',
    `cannot reach the store\nthe server said: 503 Service Unavailable\n(sent as fail:${secret}@store)`,
    { backend: 'failing' },
  );
}

export const photolalaBackend = {
  schemes: ['failing'],
  createSource: async () => {
    throw failure();
  },
};
