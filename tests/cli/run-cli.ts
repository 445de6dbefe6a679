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
 * `done` what it printed in all once it has exited. For tests that signal it while it runs.
 */
export function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
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
