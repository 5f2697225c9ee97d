import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findExercise } from '../../manifest.ts';

/** A plausible wrong implementation and the checks it must fail. */
export interface Mistake {
  exercise: string;
  /** File name without `.ts`, e.g. `await-in-loop`. */
  name: string;
  /** Path relative to the kit. */
  file: string;
  /** Check ids it must fail; every other check of the exercise must pass. */
  fails: string[];
}

/**
 * Reads `fixtures/mistakes/<exercise>/*.ts`. Each file declares what it must fail in its header comment:
 * `@fails check-id, other-check-id`. Throws naming the file when a declaration is missing or names an unknown check.
 */
export function loadMistakes(root: string, exercise: string): Mistake[] {
  const folder = join(root, 'fixtures/mistakes', exercise);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.ts'));
  } catch {
    return [];
  }
  const known = new Set(findExercise(exercise).checks.map((check) => check.id));
  return names.sort().map((name) => {
    const file = relative(root, join(folder, name));
    const declared = readFileSync(join(folder, name), 'utf8').match(/@fails\s+([^\n*]+)/);
    if (!declared) throw new Error(`${file}: declare the checks it must fail with \`@fails check-id, ...\``);
    const fails = declared[1]
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    const unknown = fails.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new Error(`${file}: @fails names unknown checks: ${unknown.join(', ')}`);
    return { exercise, name: name.replace(/\.ts$/, ''), file, fails };
  });
}
