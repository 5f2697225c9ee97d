import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExerciseSpec } from '../../manifest.ts';

/**
 * The kit's lists of exercises, generated from the manifest so that adding an exercise cannot leave them stale:
 * README.md's table and the learning path in docs/student-guide.md. Each lives between two marker comments, and
 * only the text between them is ever rewritten (the type-challenges way): everything around them is hand-written.
 *
 * ```md
 * <!-- exercise-list:start (generated from grader/manifest.ts by npm run new -- --lists; edit the manifest) -->
 * ...
 * <!-- exercise-list:end -->
 * ```
 */

/** One generated region: the file it lives in, the name in its markers, and how it is drawn from the manifest. */
interface Region {
  file: string;
  name: string;
  render: (exercises: readonly ExerciseSpec[]) => string;
}

export const REGIONS: readonly Region[] = [
  {
    file: 'README.md',
    name: 'exercise-list',
    render: (exercises) =>
      `${table(
        ['', 'Exercise', 'What it teaches', 'asyncio counterpart'],
        exercises.map((exercise) => [
          exercise.id.slice(0, 2),
          `[${exercise.title}](exercises/${exercise.id}/README.md)`,
          exercise.about?.summary ?? MISSING,
          exercise.about?.asyncio ?? MISSING,
        ]),
      )}\n\n${totals(exercises)}`,
  },
  {
    file: 'docs/student-guide.md',
    name: 'learning-path',
    render: (exercises) =>
      `${table(
        ['', 'Exercise', 'What you learn', "In Python's asyncio"],
        exercises.map((exercise) => [
          exercise.id.slice(0, 2),
          `[${exercise.title}](../exercises/${exercise.id}/README.md)`,
          exercise.about?.learn ?? MISSING,
          exercise.about?.asyncio ?? MISSING,
        ]),
      )}\n\n${totals(exercises)}`,
  },
];

/** What a list shows for an exercise whose manifest entry has no `about` yet (verify refuses that too). */
const MISSING = '(no `about` in grader/manifest.ts yet)';

const COUNT_WORDS = ['No', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten'];

/** `Five exercises of 20 points each, 100 in all.` */
export function totals(exercises: readonly ExerciseSpec[]): string {
  const count = COUNT_WORDS[exercises.length] ?? String(exercises.length);
  const noun = exercises.length === 1 ? 'exercise' : 'exercises';
  const total = exercises.reduce((sum, exercise) => sum + exercise.points, 0);
  const each = new Set(exercises.map((exercise) => exercise.points));
  return each.size === 1 && exercises.length > 1
    ? `${count} ${noun} of ${exercises[0].points} points each, ${total} in all.`
    : `${count} ${noun}, ${total} points in all.`;
}

/** A Markdown table with its columns padded to one width, as a formatter would leave it. */
function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, i) => Math.max(3, title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function markers(name: string): { start: RegExp; end: string } {
  return { start: new RegExp(`<!-- ${name}:start\\b[^>]*-->\\n`), end: `\n<!-- ${name}:end -->` };
}

/**
 * `text` with the region `name` holding `content`; the markers and everything outside them are kept as they are.
 * Throws naming the file and the markers when they are missing.
 */
export function fillRegion(text: string, file: string, name: string, content: string): string {
  const { start, end } = markers(name);
  const opening = start.exec(text);
  const closing = opening ? text.indexOf(end, opening.index + opening[0].length) : -1;
  if (!opening || closing < 0) {
    throw new Error(
      `${file}: expected the markers <!-- ${name}:start --> and <!-- ${name}:end -->, each on a line of its own, around the generated list`,
    );
  }
  return `${text.slice(0, opening.index + opening[0].length)}${content}${text.slice(closing)}`;
}

/** Every file whose generated lists differ from what `exercises` gives, relative to `root`. */
export function staleLists(root: string, exercises: readonly ExerciseSpec[]): string[] {
  return filesWithLists(root, exercises)
    .filter(({ before, after }) => before !== after)
    .map(({ file }) => file);
}

/** Rewrites the generated lists from `exercises`; returns the files that changed. */
export function writeLists(root: string, exercises: readonly ExerciseSpec[]): string[] {
  const changed = filesWithLists(root, exercises).filter(({ before, after }) => before !== after);
  for (const { file, after } of changed) writeFileSync(join(root, file), after);
  return changed.map(({ file }) => file);
}

function filesWithLists(root: string, exercises: readonly ExerciseSpec[]) {
  const files = [...new Set(REGIONS.map((region) => region.file))];
  return files.map((file) => {
    const before = readFileSync(join(root, file), 'utf8');
    const after = REGIONS.filter((region) => region.file === file).reduce(
      // Blank lines inside the markers, so Markdown sees the table as a block of its own.
      (text, region) => fillRegion(text, file, region.name, `\n${region.render(exercises)}\n`),
      before,
    );
    return { file, before, after };
  });
}
