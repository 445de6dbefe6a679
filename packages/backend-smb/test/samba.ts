import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freeLocalPort } from '@photolala/core/testing';

export interface SambaShare {
  name: string;
  dir: string;
  readOnly?: boolean;
}

export interface RunningSamba {
  port: number;
  username: string;
  password: string;
  /** Kills smbd and every child it forked for a connection, as a crash or power loss would. */
  kill(): Promise<void>;
  /** Starts smbd again on the same port with the same configuration. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const SMBD_CANDIDATES = ['/usr/sbin/smbd', '/usr/local/sbin/smbd'];
const INSTALL_HINT =
  'Samba is not installed: run `apt-get install -y samba` (scripts/setup.sh does this when run as root)';

function smbdBinary(): string {
  const found = SMBD_CANDIDATES.find((candidate) => existsSync(candidate));
  if (found) return found;
  if (!spawnSync('smbd', ['--version'], { stdio: 'ignore' }).error) return 'smbd';
  throw new Error(INSTALL_HINT);
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/**
 * A private Samba `smbd` on 127.0.0.1 and a free port, with its own configuration, state folders and
 * user (the current OS account, which smbpasswd requires to exist, with a throwaway password).
 * Samba's defaults are kept: NTLMv2 only, SMB2/3.
 */
export async function startSamba(shares: SambaShare[]): Promise<RunningSamba> {
  const smbd = smbdBinary();
  const state = await mkdtemp(path.join(tmpdir(), 'photolala-samba-'));
  for (const sub of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc'])
    await mkdir(path.join(state, sub), { recursive: true });
  const port = await freeLocalPort();
  const username = userInfo().username;
  const password = `pw-${process.pid}-${Date.now()}`;
  const config = path.join(state, 'smb.conf');
  await writeFile(
    config,
    [
      '[global]',
      '  server role = standalone server',
      `  smb ports = ${port}`,
      '  interfaces = 127.0.0.1',
      '  bind interfaces only = yes',
      '  disable netbios = yes',
      ...['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc'].map(
        (sub) => `  ${sub === 'ncalrpc' ? 'ncalrpc dir' : `${sub} directory`} = ${path.join(state, sub)}`,
      ),
      `  passdb backend = tdbsam:${path.join(state, 'private', 'passdb.tdb')}`,
      '  load printers = no',
      '  printcap name = /dev/null',
      '  disable spoolss = yes',
      `  log file = ${path.join(state, 'log.smbd')}`,
      ...shares.flatMap((share) => [
        `[${share.name}]`,
        `  path = ${share.dir}`,
        `  read only = ${share.readOnly ? 'yes' : 'no'}`,
      ]),
      '',
    ].join('\n'),
  );
  const added = spawnSync('smbpasswd', ['-c', config, '-a', '-s', username], {
    input: `${password}\n${password}\n`,
    encoding: 'utf8',
  });
  if (added.error) throw new Error(INSTALL_HINT);
  if (added.status !== 0) throw new Error(`smbpasswd failed: ${added.stderr}`);

  let child: ChildProcess | undefined;
  const start = async () => {
    // Its own process group, so kill() reaches the per-connection children smbd forks.
    const spawned = spawn(smbd, ['--foreground', '--no-process-group', '--debug-stdout', '-s', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = spawned;
    let output = '';
    spawned.stdout!.on('data', (d) => {
      output += String(d);
    });
    spawned.stderr!.on('data', (d) => {
      output += String(d);
    });
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (spawned.exitCode !== null || Date.now() > deadline)
        throw new Error(`smbd did not start on port ${port}:\n${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    try {
      process.kill(-running.pid!, 'SIGKILL');
    } catch {
      running.kill('SIGKILL');
    }
    await exited;
    // Wait until no forked child still holds a connection open.
    const deadline = Date.now() + 5_000;
    while ((await accepts(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  await start();
  return {
    port,
    username,
    password,
    kill,
    start,
    stop: async () => {
      await kill();
      await rm(state, { recursive: true, force: true });
    },
  };
}
