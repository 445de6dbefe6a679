import { styleText } from 'node:util';

export interface OutputOptions {
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  json: boolean;
}

type Style = Parameters<typeof styleText>[0];

/** stdout carries results, stderr carries progress, warnings and errors. */
export class Output {
  constructor(readonly options: OutputOptions) {}

  paint(style: Style, text: string): string {
    return this.options.color ? styleText(style, text) : text;
  }

  result(line: string): void {
    process.stdout.write(`${line}\n`);
  }

  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  info(line: string): void {
    if (!this.options.quiet && !this.options.json) process.stderr.write(`${line}\n`);
  }

  detail(line: string): void {
    if (this.options.verbose) process.stderr.write(`${this.paint('dim', line)}\n`);
  }

  warn(line: string): void {
    if (!this.options.quiet) process.stderr.write(`${this.paint('yellow', 'warning:')} ${line}\n`);
  }

  error(line: string): void {
    process.stderr.write(`${this.paint('red', 'error:')} ${line}\n`);
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
