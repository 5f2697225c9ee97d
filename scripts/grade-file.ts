/**
 * `npm run grade -- <exercise> --file <path>`: one file graded as one exercise's `index.ts`, so an instructor can
 * grade a single mistake (`fixtures/mistakes/<id>/<name>.ts`) or style, or a student's file from anywhere.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './cli.ts';

/** What the grader needs to grade `file` alone: the one exercise, and the file in place of its `index.ts`. */
export interface SingleFile {
  exercises: [string];
  files: Record<string, string>;
}

/**
 * Checks `--file` against the rest of the command line and resolves it against `cwd`.
 * Throws a UsageError that says what to write instead: without exactly one exercise, with an option that grades
 * something else (`--batch`, `--merge`, `--watch`, `--target`), or when the file is not there.
 *
 * @example
 * singleFile(['06-mutex'], 'fixtures/mistakes/06-mutex/no-release.ts', process.cwd(), []);
 * // → { exercises: ['06-mutex'], files: { '06-mutex': '/kit/fixtures/mistakes/06-mutex/no-release.ts' } }
 */
export function singleFile(
  exercises: readonly string[] | undefined,
  file: unknown,
  cwd: string,
  otherOptions: readonly string[],
): SingleFile {
  if (typeof file !== 'string' || file === '') {
    throw new UsageError(
      'Expected `--file` to be the path of a .ts file, e.g. --file fixtures/mistakes/<id>/x.ts.',
    );
  }
  if (exercises?.length !== 1) {
    throw new UsageError(
      `\`--file\` grades one file as one exercise's index.ts: name exactly one exercise, e.g. ` +
        `npm run grade -- 01 --file ${file} (got ${exercises?.length ?? 0}).`,
    );
  }
  const clash = otherOptions[0];
  if (clash) throw new UsageError(`\`--file\` grades one file; it cannot be combined with \`--${clash}\`.`);
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`\`--file\` ${file} does not exist (looked for ${path}).`);
  if (!statSync(path).isFile()) {
    throw new UsageError(
      `\`--file\` ${file} is a folder: give a file, or grade a folder of <id>/index.ts with --target.`,
    );
  }
  const [id] = exercises;
  return { exercises: [id], files: { [id]: path } };
}
