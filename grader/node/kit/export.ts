import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { ExerciseSpec } from '../../manifest.ts';
import { kitFiles, linkNodeModules } from './kit-files.ts';

export interface ExportOptions {
  /** The instructor's kit. */
  root: string;
  /** Where the student template is written; must be empty or absent. */
  to: string;
  /** `owner/name` of the template repository the classroom workflow grades with (AWAITLINGS_KIT_REPO). */
  kitRepo?: string;
  /**
   * The commit of that repository to grade with (AWAITLINGS_KIT_REF): 40 hex digits, never a branch or tag, which
   * could move. Without it the workflow keeps its placeholder and refuses to grade until one is written.
   */
  kitRef?: string;
  /** Link `to/node_modules` to the kit's, so the template runs without an install (tests). @default false */
  linkNodeModules?: boolean;
}

export interface ExportResult {
  /** Every file written, relative to `to`. */
  files: string[];
  /** The npm scripts the template keeps, and those it drops because they need what it leaves out. */
  scripts: { kept: string[]; dropped: string[] };
  /** Per exercise, the hidden checks left out. */
  hidden: Array<{ exercise: string; checks: number; points: number }>;
}

/** Files copied as they are (besides the exercises and what grading imports). */
const KIT_FILES = ['package-lock.json', 'tsconfig.json', 'biome.json', '.gitignore'];
/** npm scripts that belong to the instructor: the kit's own tests and the authoring tools. */
const INSTRUCTOR_SCRIPTS = new Set(['test', 'verify', 'new', 'export', 'mutation', 'bench', 'collect']);
/** What the template must never hold: answers, mistakes, hidden checks, the kit's own tests. */
const NEVER_EXPORTED = [
  /^solutions\//,
  /^fixtures\/(mistakes|styles)\//,
  /^grader\/tests\//,
  /^grader\/suites\/[^/]+\.hidden\.ts$/,
  /^stryker\.config\./,
];
const MANIFEST_START = 'export const manifest = [';
const MANIFEST_END = '] as const satisfies';
/** Marks README sections for instructors only; the export drops them. */
const INSTRUCTOR_SECTION = /<!-- instructor:start -->[\s\S]*?<!-- instructor:end -->\n?/g;

/**
 * Writes the repository students receive: the stubs, the README, the grader with the public checks only, the
 * scripts that grade, package files and lockfile, and the classroom workflow pointed at the template repository.
 * No solutions, no mistakes, no hidden checks: the exported manifest counts the hidden checks instead, so
 * `npm run grade` can say how many the instructor grades separately.
 *
 * @example
 * await exportTemplate({ root: KIT_ROOT, to: '../awaitlings-template', kitRepo: 'my-class/awaitlings-template' });
 */
export async function exportTemplate(options: ExportOptions): Promise<ExportResult> {
  const { root, to } = options;
  pointWorkflow('', options); // checks --kit-repo and --kit-ref before anything is written
  if (existsSync(to) && readdirSync(to).length > 0) {
    throw new TypeError(`Expected \`dir\` to be empty or absent, but ${to} holds files.`);
  }
  const available = new Set(kitFiles(root));
  const { manifest } = (await import(pathToFileURL(join(root, 'grader/manifest.ts')).href)) as {
    manifest: readonly ExerciseSpec[];
  };
  const publicSuites = manifest
    .map((exercise) => `grader/suites/${exercise.id}.test.ts`)
    .filter((file) => available.has(file));

  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const kept: string[] = [];
  const dropped: string[] = [];
  const scriptRoots: string[] = [];
  for (const [name, command] of Object.entries<string>(pkg.scripts ?? {})) {
    if (INSTRUCTOR_SCRIPTS.has(name)) {
      dropped.push(name);
      continue;
    }
    const files = [...command.matchAll(/scripts\/[\w./-]+\.ts/g)].map((match) => match[0]);
    for (const file of files) {
      const closure = importClosure(root, [file], available);
      if (!available.has(file) || !closure.ok) {
        throw new Error(
          `The npm script \`${name}\` cannot ship in the template: ${closure.problems.join('; ') || `${file} is missing`}. ` +
            'Fix the import, or list the script in INSTRUCTOR_SCRIPTS (grader/node/kit/export.ts) if it is for instructors only.',
        );
      }
    }
    kept.push(name);
    scriptRoots.push(...files);
  }
  pkg.scripts = Object.fromEntries(kept.map((name) => [name, pkg.scripts[name]]));

  const grading = importClosure(
    root,
    ['grader/vitest.config.ts', ...publicSuites, ...scriptRoots],
    available,
  );
  if (!grading.ok) throw new Error(`The grader cannot be exported: ${grading.problems.join('; ')}`);
  const files = new Set([
    ...[...available].filter((file) => file.startsWith('exercises/')),
    ...grading.files,
    ...KIT_FILES.filter((file) => available.has(file)),
  ]);
  const leaked = [...files].filter((file) => NEVER_EXPORTED.some((pattern) => pattern.test(file)));
  if (leaked.length > 0) throw new Error(`Refusing to export ${leaked.join(', ')}`);
  const misplaced = hiddenChecksIn(root, manifest, [...files]);
  if (misplaced.length > 0) {
    throw new Error(
      `Refusing to export hidden checks: ${misplaced.join('; ')}. (npm run verify flags this too.)`,
    );
  }

  const written: string[] = [];
  const write = (file: string, text: string | Buffer) => {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    writeFileSync(join(to, file), text);
    written.push(file);
  };
  for (const file of [...files].sort()) {
    if (file === 'grader/manifest.ts') continue;
    write(file, readFileSync(join(root, file)));
  }
  const exported = publicManifest(manifest);
  write(
    'grader/manifest.ts',
    manifestModule(root, readFileSync(join(root, 'grader/manifest.ts'), 'utf8'), exported),
  );
  write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  if (available.has('README.md')) {
    const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(INSTRUCTOR_SECTION, '');
    write('README.md', `${readme.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`);
  }
  const workflow = '.github/workflows/classroom.yml';
  if (available.has(workflow)) {
    write(workflow, pointWorkflow(readFileSync(join(root, workflow), 'utf8'), options));
  }
  if (options.linkNodeModules) linkNodeModules(root, to);

  return {
    files: written.sort(),
    scripts: { kept, dropped },
    hidden: exported.flatMap((exercise) =>
      exercise.hidden ? [{ exercise: exercise.id, ...exercise.hidden }] : [],
    ),
  };
}

/**
 * Hidden checks whose id appears in a suite file of their own exercise that the template would ship: the template
 * would leak them. (Check ids are unique per exercise: another exercise may use the same id for a public check.)
 */
function hiddenChecksIn(root: string, manifest: readonly ExerciseSpec[], files: readonly string[]): string[] {
  const suites = files
    .filter((file) => file.startsWith('grader/suites/'))
    .map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));
  return manifest.flatMap((exercise) =>
    exercise.checks
      .filter((check) => check.visibility === 'hidden')
      .flatMap((check) =>
        suites
          .filter(
            ({ file }) =>
              file.startsWith(`grader/suites/${exercise.id}.`) ||
              file.startsWith(`grader/suites/${exercise.id}/`),
          )
          .filter(({ text }) => text.includes(`'${check.id}'`) || text.includes(`"${check.id}"`))
          .map(
            ({ file }) =>
              `\`${check.id}\` (${exercise.id}) is in ${file}; move it to grader/suites/${exercise.id}.hidden.ts`,
          ),
      ),
  );
}

/** The manifest without its hidden checks; each exercise that had some counts them in `hidden`. */
export function publicManifest(manifest: readonly ExerciseSpec[]): ExerciseSpec[] {
  return manifest.map((exercise) => {
    const hidden = exercise.checks.filter((check) => check.visibility === 'hidden');
    if (hidden.length === 0) return exercise;
    const before = exercise.hidden ?? { checks: 0, points: 0 };
    return {
      ...exercise,
      checks: exercise.checks.filter((check) => check.visibility !== 'hidden'),
      hidden: {
        checks: before.checks + hidden.length,
        points: before.points + hidden.reduce((sum, check) => sum + check.points, 0),
      },
    };
  });
}

/**
 * The manifest module with its array literal replaced by `exercises`, everything else as written; formatted with
 * the kit's formatter when it is installed.
 */
export function manifestModule(root: string, source: string, exercises: readonly ExerciseSpec[]): string {
  const start = source.indexOf(MANIFEST_START);
  const end = source.indexOf(MANIFEST_END);
  if (start < 0 || end < start || source.indexOf(MANIFEST_END, end + 1) >= 0) {
    throw new Error(`grader/manifest.ts: expected one \`${MANIFEST_START}\` ... \`${MANIFEST_END}\``);
  }
  const body = exercises.map((exercise) => `  ${literal(exercise, '  ')},\n`).join('');
  const text = `${source.slice(0, start)}${MANIFEST_START}\n${body}${source.slice(end)}`;
  return format(root, text, 'grader/manifest.ts');
}

/** A TypeScript literal in the manifest's own style: single quotes, trailing commas. */
function literal(value: unknown, indent: string): string {
  const inner = `${indent}  `;
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => `${inner}${literal(item, inner)},\n`).join('')}${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    return `{\n${entries.map(([key, field]) => `${inner}${key}: ${literal(field, inner)},\n`).join('')}${indent}}`;
  }
  throw new TypeError(`Cannot write ${String(value)} into the manifest`);
}

function format(root: string, text: string, file: string): string {
  const biome = join(root, 'node_modules/.bin/biome');
  if (!existsSync(biome)) return text;
  const result = spawnSync(biome, ['format', `--stdin-file-path=${file}`], {
    cwd: root,
    input: text,
    encoding: 'utf8',
  });
  return result.status === 0 && result.stdout.trim() !== '' ? result.stdout : text;
}

/** The classroom workflow grading with the template repository at a pinned commit. */
export function pointWorkflow(text: string, options: Pick<ExportOptions, 'kitRepo' | 'kitRef'>): string {
  let out = text;
  if (options.kitRepo) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(options.kitRepo)) {
      throw new TypeError(`Expected \`--kit-repo\` to be owner/name, got ${options.kitRepo}.`);
    }
    out = out.replace(/^(\s*AWAITLINGS_KIT_REPO:).*$/m, `$1 ${options.kitRepo}`);
  }
  if (options.kitRef === undefined) return out;
  if (!/^[0-9a-f]{40}$/.test(options.kitRef) || /^0+$/.test(options.kitRef)) {
    throw new TypeError(
      `Expected \`--kit-ref\` to be a commit (40 hex digits, e.g. from git rev-parse HEAD), got ${options.kitRef}: a branch or tag can move.`,
    );
  }
  return out.replace(/^(\s*AWAITLINGS_KIT_REF:).*$/m, `$1 "${options.kitRef}"`);
}

interface Closure {
  ok: boolean;
  files: string[];
  problems: string[];
}

/**
 * Every kit file `entries` reach through relative imports (static, dynamic, `import type`, re-exports),
 * `new URL('../file', import.meta.url)` and paths from the kit's root written as strings. Reaching a file the template must not hold is a problem.
 */
export function importClosure(
  root: string,
  entries: readonly string[],
  available: ReadonlySet<string>,
): Closure {
  const seen = new Set<string>();
  const problems: string[] = [];
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (NEVER_EXPORTED.some((pattern) => pattern.test(file))) {
      problems.push(`${file} is reached from the grading code`);
      continue;
    }
    if (!/\.(ts|mts|js|mjs)$/.test(file)) continue;
    const text = readFileSync(join(root, file), 'utf8');
    const specifiers = [
      ...ts.preProcessFile(text, true, true).importedFiles.map((entry) => entry.fileName),
      ...[...text.matchAll(/new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)].map(
        (match) => match[1],
      ),
    ];
    // Paths from the kit's root in strings, such as vitest's `setupFiles: ['grader/lab/worker-setup.ts']`.
    for (const [, path] of text.matchAll(/['"`]((?:grader|scripts|exercises)\/[\w./-]+\.[a-z]+)['"`]/g)) {
      // A weaker hint than an import (it may sit in a comment): followed only to files the template may hold.
      if (available.has(path) && !NEVER_EXPORTED.some((pattern) => pattern.test(path))) queue.push(path);
    }
    for (const specifier of specifiers) {
      if (!specifier.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      // Folders (`new URL('../../..', import.meta.url)`) and files outside the kit's list are not copied.
      if (available.has(target)) queue.push(target);
    }
  }
  return { ok: problems.length === 0, files: [...seen].sort(), problems };
}
