import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../support/fs.js';

export const CLI = path.join(REPO_ROOT, 'packages/cli/bin/photolala.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the built CLI as a user would, with no terminal: `output` is what it has printed so far,
 * `done` what it printed in all once it has exited. For tests that signal it while it runs; `as`
 * runs it as another user (a root that user may read but not write).
 */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
  as: { uid?: number; gid?: number } = {},
) {
  const child = spawn(process.execPath, [CLI, ...args], {
    ...as,
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => {
    output.stdout += String(d);
  });
  child.stderr.on('data', (d) => {
    output.stderr += String(d);
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ...output }));
  });
  return { child, output, done };
}

/** Runs the built CLI as a user would, with a private cache folder and no terminal. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Runs a command in a pseudo-terminal with util-linux `script`, returning everything it drew. */
export function inPty(
  command: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, ...env, TERM: 'xterm-256color', COLUMNS: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    child.on('error', (error) =>
      reject(new Error(`cannot run \`script\` (apt-get install util-linux): ${error.message}`)),
    );
    child.on('close', (code) => resolve({ code, output }));
  });
}
