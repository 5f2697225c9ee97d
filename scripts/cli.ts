/**
 * What every script's command line shares: `-h/--help`, NO_COLOR, and a refusal of unknown options that says what
 * was wrong and shows the usage (exit 2), instead of a stack trace.
 */
import { chalk, minimist } from 'zx';

/** A mistake in how the script was called: its message and the usage are shown, exit status 2. */
export class UsageError extends Error {}

export interface ArgOptions {
  string?: string[];
  boolean?: string[];
  default?: Record<string, unknown>;
}

/** Parses `process.argv` with minimist; `help` is always a boolean with `-h` as its alias. */
export function parseArgs(usage: string, options: ArgOptions = {}) {
  if (process.env.NO_COLOR) chalk.level = 0;
  const unknown: string[] = [];
  const args = minimist(process.argv.slice(2), {
    ...options,
    boolean: [...(options.boolean ?? []), 'help'],
    alias: { h: 'help' },
    unknown: (flag) => {
      if (!flag.startsWith('-')) return true;
      unknown.push(flag);
      return false;
    },
  });
  if (unknown.length > 0) {
    console.error(`${chalk.red(`Unknown option \`${unknown[0]}\`.`)}\n\n${usage}`);
    // Nothing has started yet: the arguments are read before any work, so stopping here loses nothing.
    process.exit(2);
  }
  return args;
}
