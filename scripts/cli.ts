/**
 * What every script's command line shares: a refusal of a Node too old for the kit (one line, exit 1), `-h/--help`,
 * NO_COLOR, and a refusal of unknown options that says what was wrong and shows the usage (exit 2), instead of a
 * stack trace.
 */
import { chalk, minimist } from 'zx';

/** The oldest Node the kit supports; package.json's `engines.node` says the same (a test holds them together). */
export const NODE_FLOOR = '22.12.0';

/**
 * Why Node `version` cannot run the kit, as one line for a student, or undefined when it can.
 *
 * @param version a Node version without the `v`. @default this process's
 * @param floor the oldest supported version. @default NODE_FLOOR
 * @example
 * unsupportedNode('20.20.2'); // 'awaitlings needs Node 22.12.0 or newer, and this is Node 20.20.2: …'
 * unsupportedNode('24.22.3'); // undefined
 */
export function unsupportedNode(version: string = process.versions.node, floor: string = NODE_FLOOR) {
  const parts = (text: string) => text.replace(/^v/, '').split('.').map(Number);
  const have = parts(version);
  const need = parts(floor);
  const first = need.findIndex((part, i) => (have[i] ?? 0) !== part);
  if (first === -1 || (have[first] ?? 0) > need[first]) return undefined;
  return (
    `awaitlings needs Node ${floor} or newer, and this is Node ${version.replace(/^v/, '')}: ` +
    'install Node 24 or 26 (https://nodejs.org), then run npm install again.'
  );
}

// Checked when the first script loads, before any work. Preloaded (`tsx --import ./scripts/cli.ts …`) it also runs
// before the script's own imports are linked: on Node 18 and early 20, linking vite already fails with a stack trace.
const tooOld = unsupportedNode();
if (tooOld) {
  console.error(chalk.red(tooOld));
  process.exit(1);
}

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

/** Reads option `--<option>` as a whole number (0 and up), or throws a UsageError naming it. */
export function wholeNumber(option: string, value: unknown): number {
  const number = Number(value);
  if (value === '' || typeof value === 'boolean' || !Number.isInteger(number) || number < 0) {
    throw new UsageError(`Expected \`--${option}\` to be a whole number, got ${String(value)}.`);
  }
  return number;
}

export interface MainOptions {
  /** Shown after a usage mistake. */
  usage: string;
  /** The line printed above an unexpected error, e.g. `verify itself failed:`. */
  failure: string;
  /** Exit status after an unexpected error. @default 3 */
  failureCode?: number;
  /** Which other errors are usage mistakes (besides UsageError and an unknown exercise). */
  isUsage?: (error: unknown) => boolean;
}

/**
 * Runs a script's `main`. A usage mistake (a UsageError, an unknown exercise) prints its message and the usage and
 * exits 2; anything else prints `failure` and the error and exits `failureCode`. Sets `process.exitCode`, never
 * exits, so output is flushed.
 */
export function runMain(main: () => Promise<void> | void, options: MainOptions): void {
  const report = (error: unknown) => {
    const usageMistake =
      error instanceof UsageError ||
      (error instanceof Error && error.message.startsWith('Unknown exercise')) ||
      options.isUsage?.(error) === true;
    if (usageMistake) {
      console.error(`${chalk.red((error as Error).message)}\n\n${options.usage}`);
      process.exitCode = 2;
      return;
    }
    console.error(chalk.red(options.failure));
    console.error(error);
    process.exitCode = options.failureCode ?? 3;
  };
  try {
    Promise.resolve(main()).catch(report);
  } catch (error) {
    report(error);
  }
}
