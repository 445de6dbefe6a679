import { spawnSync } from 'node:child_process';

/** The user the tests run the CLI as when they run as root, whom file modes do not stop. */
export const NOBODY = { uid: 65534, gid: 65534 };

/**
 * Throws, naming the cause, when `nobody` cannot read `file`: a checkout under a folder only its
 * owner may enter (`mktemp -d` makes them mode 0700) would otherwise fail as a missing module.
 */
export function assertNobodyCanRead(file: string): void {
  const probe = spawnSync(
    process.execPath,
    ['-e', 'require("node:fs").accessSync(process.argv[1], 4)', file],
    {
      ...NOBODY,
      cwd: '/',
      encoding: 'utf8',
    },
  );
  if (probe.status === 0) return;
  throw new Error(
    `The user nobody (uid ${NOBODY.uid}) cannot read ${file}, which this test runs as nobody because root ` +
      'ignores file modes. A folder above the checkout is closed to others (for example one made by ' +
      '`mktemp -d`, mode 0700): run `chmod 755` on it, or clone elsewhere. ' +
      (probe.stderr.match(/^\w*Error: .*$/m)?.[0] ?? ''),
  );
}
