import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findExercise } from '../../manifest.ts';

/**
 * A fragment of the message a check must fail with (case-insensitive), or several when more than one stop is right
 * (a 2 GB allocation may be stopped for its memory or for the time it blocks the event loop, whichever comes first).
 */
export type Fragment = string | readonly string[];

/**
 * What a hostile submission must end with. Each entry of `fixtures/hostile/<name>/` is an `index.ts` graded as
 * `exercise`, and an `expected.ts` whose default export is this.
 *
 * The checks named in `fails` must not pass, each with a message containing its fragment; every other check of the
 * exercise must pass: whatever the entry tries, it scores exactly what its honest part earns, and never more.
 */
export interface HostileCase {
  /** The exercise its `index.ts` is graded as. */
  exercise: string;
  /** What it tries, in one sentence. */
  tries: string;
  /**
   * Check id → fragment of the message it must fail with (case-insensitive). `'*'` stands for every check of the
   * exercise; a check named besides it gets its own fragment.
   */
  fails: Readonly<Record<string, Fragment>>;
  /** Real seconds its grading may take on a 2-core machine, the other exercises of the batch included. @default 45 */
  withinSeconds?: number;
  /** Files (relative to the kit) it tries to create: none may exist afterwards. */
  mustNotCreate?: readonly string[];
  /** A fragment at least one of its failing checks must say, when which one depends on the suite's order. */
  someSay?: string;
  /** Graded in a run of its own with every other exercise's reference solution, which must keep full marks. */
  alongsideSolutions?: boolean;
}

/** One entry of the catalog. */
export interface HostileEntry extends HostileCase {
  name: string;
  /** Its `index.ts`, relative to the kit. */
  file: string;
  /** Points it scores when it gets exactly what its honest part earns. */
  cap: number;
}

/**
 * Reads `fixtures/hostile/*` (folders starting with `_` hold shared code, not entries), in name order.
 * Throws naming the entry when its expectation names an unknown exercise or check.
 */
export async function loadHostile(root: string): Promise<HostileEntry[]> {
  const folder = join(root, 'fixtures/hostile');
  const names = existsSync(folder)
    ? readdirSync(folder, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
        .map((entry) => entry.name)
        .sort()
    : [];
  const entries: HostileEntry[] = [];
  for (const name of names) {
    const where = `fixtures/hostile/${name}`;
    const module = (await import(pathToFileURL(join(folder, name, 'expected.ts')).href)) as {
      default: HostileCase;
    };
    const expected = module.default;
    const exercise = findExercise(expected.exercise);
    const known = new Set(exercise.checks.map((check) => check.id));
    const unknown = Object.keys(expected.fails).filter((id) => id !== '*' && !known.has(id));
    if (unknown.length > 0)
      throw new Error(`${where}/expected.ts: \`fails\` names unknown checks: ${unknown.join(', ')}`);
    const failing = expected.fails['*'] === undefined ? new Set(Object.keys(expected.fails)) : known;
    const cap = exercise.checks
      .filter((check) => !failing.has(check.id))
      .reduce((sum, check) => sum + check.points, 0);
    entries.push({ ...expected, name, file: relative(root, join(folder, name, 'index.ts')), cap });
  }
  return entries;
}

/** The message fragment check `id` must fail with, or undefined when it must pass. */
export function expectedFailure(entry: HostileCase, id: string): readonly string[] | undefined {
  const fragment = entry.fails[id] ?? entry.fails['*'];
  return fragment === undefined ? undefined : typeof fragment === 'string' ? [fragment] : fragment;
}
