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

/** stdout carries results, stderr carries progress, warnings and errors. */
export class Output {
  constructor(readonly options: OutputOptions) {}

  private paint(style: Style, text: string): string {
    return this.options.color ? styleText(style, text) : text;
  }

  /** One line of results on stdout. Every line is passed through `printable`. */
  result(line: string): void {
    process.stdout.write(`${printable(line)}\n`);
  }

  /** A file failure in a report: "  failed TEXT", the label in red on a colour terminal. */
  failure(text: string): void {
    process.stdout.write(`  ${this.paint('red', 'failed')} ${printable(text)}\n`);
  }

  /** A document of several lines (a metadata document), each passed through `printable`. */
  document(text: string): void {
    process.stdout.write(`${text.split('\n').map(printable).join('\n')}\n`);
  }

  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  info(line: string): void {
    if (!this.options.quiet && !this.options.json) process.stderr.write(`${printable(line)}\n`);
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
    if (this.options.verbose) process.stderr.write(`${this.paint('dim', printable(line))}\n`);
  }

  warn(line: string): void {
    if (!this.options.quiet) process.stderr.write(`${this.paint('yellow', 'warning:')} ${printable(line)}\n`);
  }

  error(line: string): void {
    process.stderr.write(`${this.paint('red', 'error:')} ${printable(line)}\n`);
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
