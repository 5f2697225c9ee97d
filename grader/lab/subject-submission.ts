/**
 * Loads a graded module into its own process (the subject, grader/lab/subject.ts).
 * Runs in the check workers.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { submissionFile } from '../context.ts';
import { BundleError } from './bundle.ts';
import { Lab } from './lab.ts';
import { Subject, SubjectLost } from './subject.ts';
import { describeLoadError, displayPath, gradingContext, SubmissionError } from './submission.ts';

interface Loaded {
  subject: Subject;
  api: unknown;
}

/** Exercise id → the subject running its student module; a lost subject is replaced by the next check. */
const subjects = new Map<string, Promise<Loaded>>();
/** Exercise id → a subject started while the suite file was still being collected, not yet asked for its module. */
const early = new Map<string, Promise<Subject>>();

/**
 * Stops the subjects of the suite file that just ran (the setup file, ./worker-setup.ts, runs this after each file): a
 * worker runs several files in a run, and is kept for the next run (grader/node/grading/kept-workers.ts).
 */
export async function closeSubjects(): Promise<void> {
  for (const loading of subjects.values()) {
    await loading.then(
      ({ subject }) => subject.close(),
      () => {},
    );
  }
  subjects.clear();
  for (const starting of early.values())
    await starting.then(
      (subject) => subject.close(),
      () => {},
    );
  early.clear();
}

/**
 * Starts the subject for `exerciseId` (bundle, process) while vitest is still collecting the suite file, so that Node
 * starts beside the worker's own start-up instead of after it. Nothing of the student's runs on the checks' side
 * yet, and nothing is reported here: a file that does not compile or a module that fails fails the first check.
 */
export function startSubjectEarly(exerciseId: string): void {
  if (subjects.has(exerciseId) || early.has(exerciseId)) return;
  const file = submissionFile(gradingContext(), exerciseId);
  if (!existsSync(file)) return;
  const starting = spawnSubject(file);
  starting.catch(() => {});
  early.set(exerciseId, starting);
}

/**
 * The graded module for `exerciseId`, running in its own process (the subject): `api` holds stand-ins that call
 * into it. One subject per exercise, replaced after it was lost (stopped for hanging, growing or crashing). Never
 * loaded at collection time: a stub that throws, a syntax error or a module that throws at import fails the checks
 * with a message, and the report stays whole.
 */
export async function loadInSubject<Api>(
  exerciseId: string,
): Promise<{ api: Api; file: string; subject: Subject }> {
  const file = submissionFile(gradingContext(), exerciseId);
  let loading = subjects.get(exerciseId);
  const current = loading && (await loading.catch(() => undefined));
  if (!loading || (current && !current.subject.alive)) {
    current?.subject.close();
    const started = early.get(exerciseId);
    early.delete(exerciseId);
    loading = startSubject(file, started);
    subjects.set(exerciseId, loading);
  }
  const { subject, api } = await loading;
  return { api: api as Api, file, subject };
}

/** Bundles the graded file and starts its process, without asking for its module yet. */
function spawnSubject(file: string): Promise<Subject> {
  const { root, target, allowReferenceImports } = gradingContext();
  return Subject.start({
    file,
    allowed: [
      ...importableFolders(file, root, target),
      ...(allowReferenceImports ? [resolve(root, 'solutions'), resolve(root, 'fixtures')] : []),
    ],
    display: displayPath,
    lab: () => Lab.current,
  });
}

async function startSubject(file: string, started?: Promise<Subject>): Promise<Loaded> {
  const shown = displayPath(file);
  if (!existsSync(file)) throw new SubmissionError(`${shown} does not exist: there is nothing to grade.`);
  let subject: Subject;
  try {
    subject = await (started ?? spawnSubject(file));
  } catch (error) {
    if (error instanceof BundleError) throw new SubmissionError(error.message);
    throw error;
  }
  try {
    return { subject, api: await subject.api() };
  } catch (error) {
    subject.close();
    if (error instanceof SubjectLost)
      throw new SubmissionError(`Importing ${shown} failed: ${error.message}`);
    throw new SubmissionError(describeLoadError(error, file, shown));
  }
}

/**
 * What the graded file may import, besides npm packages. The kit's own reference code (solutions, mistake and style
 * fixtures) may import anything in the kit. A submission may import its own files (anything in the graded folder)
 * and the kit's public exercise folder (the helpers it provides); the hostile fixtures also their shared code.
 */
function importableFolders(file: string, root: string, target: string): string[] {
  const kit = (path: string) => resolve(root, path);
  const reference = [kit('solutions'), kit('fixtures')];
  if (reference.some((folder) => within(folder, file)) && !within(kit('fixtures/hostile'), file))
    return [root];
  // The exercise's helpers, in the kit and beside the graded folder (a solution imports them as ../../exercises/…).
  const folders = [dirname(file), kit('exercises'), resolve(target, '../exercises')];
  // The student's other files, unless the run grades the kit's own reference folders around this submission.
  if (!reference.some((folder) => within(folder, target))) folders.push(target);
  if (within(kit('fixtures/hostile'), file)) folders.push(kit('fixtures/hostile/_shared'));
  return folders;
}

function within(folder: string, path: string): boolean {
  const inner = relative(folder, path);
  return !inner.startsWith('..') && !isAbsolute(inner);
}
