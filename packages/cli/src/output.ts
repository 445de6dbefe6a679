import { styleText } from 'node:util';

export interface OutputOptions {
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  json: boolean;
}

type Style = Parameters<typeof styleText>[0];

// C0 and C1 controls, DEL, and the bidirectional overrides and isolates that reorder what a
// terminal shows.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what it finds
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from a catalog, a file name or a remote server, made safe to print on a terminal: control
 * characters are shown as escapes (`\n`, `\u001b`), so a file named with an escape sequence or a
 * newline cannot recolour the terminal or forge a line of the report.
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Environment variables that hold a secret of some backend. */
const SECRET_VARIABLES = [
  'PHOTOLALA_WEBDAV_PASSWORD',
  'PHOTOLALA_SMB_PASSWORD',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];
/**
 * Secrets shorter than this are not searched for in messages: a two-letter password would blank
 * out those letters in every file name. URIs in messages are redacted where they are made.
 */
const MIN_SECRET_LENGTH = 4;

/**
 * The passwords of this run: the backends' variables and the password part of any `scheme://user:pw@`
 * argument. A last line of defence: messages name roots by their canonical URI, which holds none.
 */
export function secretsOf(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const secrets = SECRET_VARIABLES.map((name) => env[name] ?? '');
  for (const arg of argv) {
    const userinfo = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^@/]*)@/s.exec(arg)?.[1];
    const password = userinfo?.slice(userinfo.indexOf(':') + 1);
    if (password && userinfo?.includes(':')) {
      secrets.push(password);
      try {
        secrets.push(decodeURIComponent(password));
      } catch {}
    }
  }
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))];
}

/** Lines of a listing made elsewhere (by SQLite): `count` lines, each ending in a newline. */
export interface Lines {
  lines: string;
  count: number;
}

const isLines = (item: unknown): item is Lines =>
  typeof item === 'object' && item !== null && typeof (item as Partial<Lines>).lines === 'string';

/** stdout carries results, stderr carries progress, warnings and errors. */
export class Output {
  readonly #secrets: string[];
  /** What `warnOnce` has shown in this command. */
  readonly #warned = new Set<string>();

  constructor(
    readonly options: OutputOptions,
    secrets: string[] = secretsOf(process.argv, process.env),
  ) {
    this.#secrets = secrets;
  }

  /** `text` with every secret of this run replaced by `***`. */
  private hide(text: string): string {
    let shown = text;
    for (const secret of this.#secrets) shown = shown.split(secret).join('***');
    return shown;
  }

  private paint(style: Style, text: string): string {
    return this.options.color ? styleText(style, text) : text;
  }

  /** One line of results on stdout. Every line is passed through `printable`. */
  result(line: string): void {
    process.stdout.write(`${printable(line)}\n`);
  }

  /** A file failure in a report: "  failed TEXT", the label in red on a colour terminal. */
  failure(text: string): void {
    process.stdout.write(`  ${this.paint('red', 'failed')} ${printable(this.hide(text))}\n`);
  }

  /** A document of several lines (a metadata document), each passed through `printable`. */
  document(text: string): void {
    process.stdout.write(`${text.split('\n').map(printable).join('\n')}\n`);
  }

  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /**
   * A long listing's lines (`result` or `json` lines, as `line` makes them), written a few hundred
   * kilobytes at a time: stdout to a file or pipe is written synchronously, and one write per line
   * took most of a 100,000-line listing's time. Lines already made (`Lines`: `count` lines, each
   * ending in a newline) are written as they are, in their place. Returns the number of lines.
   */
  listing<T>(items: Iterable<T | Lines>, line: (item: T) => string): number {
    let count = 0;
    let pending = '';
    for (const item of items) {
      if (isLines(item)) {
        if (pending) process.stdout.write(pending);
        pending = '';
        process.stdout.write(item.lines);
        count += item.count;
        continue;
      }
      pending += `${line(item)}\n`;
      count++;
      if (pending.length >= 256 * 1024) {
        process.stdout.write(pending);
        pending = '';
      }
    }
    if (pending) process.stdout.write(pending);
    return count;
  }

  /** A `result` line as `listing` writes it. */
  resultLine(line: string): string {
    return printable(line);
  }

  info(line: string): void {
    if (!this.options.quiet && !this.options.json) process.stderr.write(`${printable(this.hide(line))}\n`);
  }

  /** Whether live output (progress bars, transient lines) is drawn: on a terminal's stderr only. */
  get live(): boolean {
    return !this.options.quiet && !this.options.json && process.stderr.isTTY === true;
  }

  /**
   * A line on a terminal's stderr, shown only if the work takes longer than `afterMs`, and erased
   * when it ends (`clear`). Nothing at all for --json, --quiet or a stderr that is not a terminal.
   */
  transient(line: string, afterMs: number): { clear(): void } {
    if (!this.live) return { clear() {} };
    let shown = false;
    const timer = setTimeout(() => {
      shown = true;
      process.stderr.write(printable(line));
    }, afterMs);
    return {
      clear() {
        clearTimeout(timer);
        // Back to the start of the line, and erase it.
        if (shown) process.stderr.write('\r\u001b[2K');
      },
    };
  }

  detail(line: string): void {
    if (this.options.verbose) process.stderr.write(`${this.paint('dim', printable(this.hide(line)))}\n`);
  }

  warn(line: string): void {
    if (!this.options.quiet)
      process.stderr.write(`${this.paint('yellow', 'warning:')} ${printable(this.hide(line))}\n`);
  }

  /**
   * A warning shown once in the command for `key`: one a catalog raises on every save (a read-only
   * root, for each star `serve` saves) says nothing new the second time.
   */
  warnOnce(key: string, line: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.warn(line);
  }

  /**
   * An error: "error: TEXT", a text of several lines with the lines after the first indented under
   * it, each passed through `printable` and with the secrets hidden, so no line of it can pass for
   * a line of the CLI's own.
   */
  error(text: string): void {
    const [first, ...rest] = this.hide(text).split('\n');
    const more = rest.map((line) => `\n  ${printable(line)}`).join('');
    process.stderr.write(`${this.paint('red', 'error:')} ${printable(first ?? '')}${more}\n`);
  }

  /** A stack trace (`-v`), several lines, with the secrets hidden as in every message. */
  stack(text: string): void {
    process.stderr.write(`${this.hide(text)}\n`);
  }
}

export function colorEnabled(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv,
  stream: NodeJS.WriteStream,
): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
