import type { ParseArgsConfig } from 'node:util'

/** Bad usage or unreadable input: the CLI prints the one-line reason and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface Output {
  out(text: string): void
  err(text: string): void
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
}

/** One CLI command: its options (node:util parseArgs) and what it does; returns the exit code. */
export interface CliCommand {
  options: ParseArgsConfig['options']
  handler: (positionals: string[], values: Record<string, unknown>, io: Output) => Promise<number>
}
