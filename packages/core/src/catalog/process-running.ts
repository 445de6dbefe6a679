/**
 * Whether the process `pid` is running (this one included): the owner of a catalog's temp files and
 * journals, which are left alone while it runs.
 */
export function processRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
