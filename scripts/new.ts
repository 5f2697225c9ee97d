#!/usr/bin/env -S npx tsx
/**
 * `npm run new -- <slug> [--title <title>]`
 * `npm run new -- --lists`
 *
 * Scaffolds exercise `NN-<slug>` (NN: the next free number): a stub with TODOs, a README, a reference solution,
 * a suite with one real check written with the lab, a manifest entry and an empty mistakes folder. The exercise shows
 * up in `npm run grade` and `npm run verify` at once; verify fails on its placeholders until they are written.
 * It also rewrites the kit's lists of exercises (README.md's table, the student guide's learning path, the totals)
 * from the manifest; `--lists` does only that, after the manifest was edited by hand.
 * See docs/authoring.md for what to do next.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chalk } from 'zx';
import { type ExerciseSpec, manifest } from '../grader/manifest.ts';
import { exerciseOfSuiteFile } from '../grader/node/grading/suite-files.ts';
import { staleLists, writeLists } from '../grader/node/kit/kit-lists.ts';
import { parseArgs, runMain, UsageError } from './cli.ts';

const USAGE = `Usage: npm run new -- <slug> [--title <title>]
       npm run new -- --lists

  slug             kebab-case name, e.g. circuit-breaker; the exercise becomes NN-<slug>
  --title <title>  the title students read (default: a placeholder verify refuses until you write one)
  --lists          scaffold nothing: rewrite the lists of exercises in README.md and docs/student-guide.md
                   from grader/manifest.ts (after editing a title, an \`about\` or points there)`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST_END = '] as const satisfies';

const args = parseArgs(USAGE, { string: ['title'], boolean: ['lists'] });

/** The files written for a new exercise, relative to the kit. */
interface Scaffold {
  id: string;
  files: string[];
  /** Its manifest entry, as appended to grader/manifest.ts. */
  spec: ExerciseSpec;
}

/** Writes exercise `NN-<slug>` into the kit at `root` and appends it to the manifest. */
function scaffoldExercise(root: string, slug: string, title?: string): Scaffold {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(slug)) {
    throw new UsageError(`Expected \`slug\` to be kebab-case (like \`circuit-breaker\`), got \`${slug}\`.`);
  }
  const manifestFile = join(root, 'grader/manifest.ts');
  const manifest = readFileSync(manifestFile, 'utf8');
  const taken = [
    ...[...manifest.matchAll(/^ {4}id: '(\d\d)-([a-z0-9-]+)'/gm)].map((match) => `${match[1]}-${match[2]}`),
    ...['exercises', 'solutions'].flatMap((folder) => list(join(root, folder))),
    ...list(join(root, 'grader/suites')).map(exerciseOfSuiteFile),
  ].filter((name) => /^\d\d-/.test(name));
  const clash = taken.find((name) => name.slice(3) === slug);
  if (clash) throw new UsageError(`There is already an exercise \`${clash}\`.`);
  const next = Math.max(0, ...taken.map((name) => Number(name.slice(0, 2)))) + 1;
  if (next > 99) throw new UsageError('Exercise numbers are two digits, and 99 is taken.');
  const id = `${String(next).padStart(2, '0')}-${slug}`;
  if (manifest.split(MANIFEST_END).length !== 2) {
    throw new Error(`grader/manifest.ts: expected one \`${MANIFEST_END}\` closing the manifest array.`);
  }

  const files: Record<string, string> = {
    [`exercises/${id}/index.ts`]: stub(id, title),
    [`exercises/${id}/README.md`]: readme(id, title),
    [`solutions/${id}/index.ts`]: solution(id, title),
    [`grader/suites/${id}.test.ts`]: suite(id),
    [`fixtures/mistakes/${id}/.gitkeep`]: '',
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text, { flag: 'wx' });
  }
  const spec = entry(id, title);
  writeFileSync(manifestFile, manifest.replace(MANIFEST_END, `${entryText(spec)}${MANIFEST_END}`));
  return { id, files: [...Object.keys(files), 'grader/manifest.ts'], spec };
}

function list(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder) : [];
}

const PLACEHOLDER_TITLE = 'TODO: the title students read';

function heading(id: string, title = PLACEHOLDER_TITLE): string {
  return `${id.slice(0, 2)} · ${title}`;
}

function stub(id: string, title?: string): string {
  return `/**
 * Exercise ${heading(id, title)}.
 *
 * Read README.md next to this file first. Run \`npm run grade -- ${id.slice(0, 2)}\` to see how you are doing.
 */

/**
 * Resolves with \`value\` once \`ms\` milliseconds have passed.
 *
 * @example
 * const word = await delay(250, 'done'); // 'done', 250 ms later
 */
export async function delay<T>(ms: number, value: T): Promise<T> {
  // TODO: start a timer for \`ms\` and resolve with \`value\` when it fires.
  void ms;
  void value;
  throw new Error('delay: not implemented yet');
}
`;
}

function solution(id: string, title?: string): string {
  return `/**
 * Exercise ${heading(id, title)}: the reference solution.
 */

/** Resolves with \`value\` once \`ms\` milliseconds have passed. */
export function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value));
}
`;
}

function readme(id: string, title?: string): string {
  const nn = id.slice(0, 2);
  return `# ${heading(id, title)}

TODO: one paragraph on what this exercise teaches and why it matters.

Write the functions in [\`index.ts\`](./index.ts), then run \`npm run grade -- ${nn}\`.

## The API

\`\`\`ts
export function delay<T>(ms: number, value: T): Promise<T>;
\`\`\`

## What the grader checks

The grader runs your code in virtual time: a timer of 250 ms takes no real time at all, and the grader sees
exactly when your promise settles.

- \`delay(ms, value)\` resolves with \`value\` after exactly \`ms\` ms (within 1 ms).

## Hints

Run \`npm run hint -- ${nn}\` for progressive hints.

## Coming from Python asyncio

| asyncio                          | TypeScript                                                        |
| -------------------------------- | ----------------------------------------------------------------- |
| \`await asyncio.sleep(s, result)\` | \`await new Promise((resolve) => setTimeout(resolve, ms, result))\` |
`;
}

function suite(id: string): string {
  return `import type * as Api from '../../exercises/${id}/index.ts';
import { defineSuite, demand, show } from '../lab/index.ts';

/** The checks of exercise ${id}; titles, points and hints live in grader/manifest.ts. See docs/authoring.md. */
const { check } = defineSuite<typeof Api>('${id}');

check('resolves-after-delay', async ({ api, lab }) => {
  // \`settle\` advances virtual time until the promise settles and says when: no real time passes.
  const settled = await lab.settle(() => api.delay(250, 'done'), { label: "delay(250, 'done')" });
  demand(
    settled.status === 'fulfilled' && settled.value === 'done',
    () =>
      \`delay(250, 'done') should resolve with 'done', but it \${settled.status === 'fulfilled' ? \`resolved with \${show(settled.value)}\` : \`rejected with \${show(settled.reason)}\`}.\`,
  );
  demand(
    Math.abs(settled.at - 250) <= 1,
    \`delay(250, 'done') should resolve at 250 ms, but it resolved at \${settled.at} ms.\`,
    { concept: 'timers in virtual time' },
  );
});
`;
}

function entry(id: string, title?: string): ExerciseSpec {
  return {
    id,
    title: title ?? PLACEHOLDER_TITLE,
    points: 20,
    hints: ['TODO: the gentlest hint first, then more direct ones.'],
    about: {
      summary: 'TODO: what it teaches, in one line (README.md)',
      learn: 'TODO: what a student learns, in a sentence or two (docs/student-guide.md)',
      asyncio: 'TODO: its counterparts in Python asyncio',
    },
    checks: [
      {
        id: 'resolves-after-delay',
        title: 'delay() - resolves with its value after ms of virtual time',
        points: 20,
        hint: 'TODO: what to look at when this check fails.',
      },
    ],
  };
}

function entryText(spec: ExerciseSpec): string {
  const [check] = spec.checks;
  return `  {
    id: '${spec.id}',
    title: ${quote(spec.title)},
    points: ${spec.points},
    hints: [${spec.hints.map(quote).join(', ')}],
    about: {
      summary: ${quote(spec.about!.summary)},
      learn: ${quote(spec.about!.learn)},
      asyncio: ${quote(spec.about!.asyncio)},
    },
    checks: [
      {
        id: '${check.id}',
        title: ${quote(check.title)},
        points: ${check.points},
        hint: ${quote(check.hint)},
      },
    ],
  },
`;
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function main(): void {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const exercises = manifest as readonly ExerciseSpec[];
  if (args.lists) {
    if (args._.length > 0) throw new UsageError('`--lists` scaffolds nothing: give it no slug.');
    const changed = writeLists(ROOT, exercises);
    console.log(
      changed.length > 0 ? `Rewrote the lists in ${changed.join(', ')}.` : 'The lists are up to date.',
    );
    return;
  }
  if (args._.length !== 1) throw new UsageError('Name the exercise: one kebab-case slug.');
  // Before writing anything: the lists' markers must be where the new exercise will be listed.
  staleLists(ROOT, exercises);
  const { id, files, spec } = scaffoldExercise(ROOT, String(args._[0]), args.title);
  const lists = writeLists(ROOT, [...exercises, spec]);
  console.log(chalk.green(`Created exercise ${id}:`));
  for (const file of [...files, ...lists]) console.log(`  ${file}`);
  console.log(`
Next (docs/authoring.md walks through each step):
  1. Write the task in exercises/${id}/README.md and the API in exercises/${id}/index.ts (stub) and
     solutions/${id}/index.ts (reference).
  2. Replace the TODO title, hints and \`about\` of \`${id}\` in grader/manifest.ts; split its 20 points over
     its checks; then npm run new -- --lists (README.md's table and the learning path show them).
  3. Write the checks in grader/suites/${id}.test.ts, and plausible mistakes in fixtures/mistakes/${id}/.
  4. npm run grade -- ${id.slice(0, 2)} --target solutions   (full marks)
     npm run verify -- ${id.slice(0, 2)}                      (fails until the placeholders are gone)`);
}

runMain(main, { usage: USAGE, failure: 'npm run new failed:' });
