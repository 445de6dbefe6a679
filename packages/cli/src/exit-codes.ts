/** The exit codes of every command (see `photolala --help`). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** The scan completed and a snapshot was published, but some files could not be digested. */
  partial: 3,
  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it); a scan saved what it had done. */
  interrupted: 130,
} as const;
