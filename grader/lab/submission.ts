import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inject } from 'vitest';
import { type GradingContext, submissionFile } from '../context.ts';

/** The student's file could not be loaded: every check of the exercise is reported as an error. */
export class SubmissionError extends Error {
  override readonly name = 'SubmissionError';
}

const loaded = new Map<string, Promise<unknown>>();

/** This run's grading context, as the grading process provided it. */
export function gradingContext(): GradingContext {
  const context = inject('awaitlings');
  if (!context) {
    throw new Error('awaitlings: the suites run through `npm run grade`, which tells them what to grade');
  }
  return context;
}

/** The path a student reads: relative to the kit. */
export function displayPath(file: string): string {
  const { root } = gradingContext();
  const path = relative(root, file);
  return path.startsWith('..') ? file : path;
}

/**
 * Imports the graded module for `exerciseId` into this check worker, once per suite file (`isolation: 'worker'`: the
 * kit's reference code under Stryker, and submissions where the platform has no subject; elsewhere submissions run
 * in a subject, ./subject-submission.ts). Never at collection time: a stub that throws,
 * a syntax error or a module that throws at import fails the checks with a message, and the report stays whole.
 */
export function loadSubmission<Api>(exerciseId: string): Promise<{ api: Api; file: string }> {
  const file = submissionFile(gradingContext(), exerciseId);
  let module = loaded.get(file);
  if (!module) {
    module = importSubmission(file);
    loaded.set(file, module);
  }
  return module.then((api) => ({ api: api as Api, file }));
}

async function importSubmission(file: string): Promise<unknown> {
  const shown = displayPath(file);
  if (!existsSync(file)) throw new SubmissionError(`${shown} does not exist: there is nothing to grade.`);
  try {
    return await import(/* @vite-ignore */ pathToFileURL(file).href);
  } catch (error) {
    throw new SubmissionError(describeLoadError(error, file, shown));
  }
}

/** What a student reads when importing `file` (shown as `shown`) failed with `error`. */
export function describeLoadError(error: unknown, file: string, shown: string): string {
  if (!(error instanceof Error)) return `Importing ${shown} threw ${String(error)}.`;
  const located = error as Error & {
    loc?: { file?: string; line?: number; column?: number };
    frame?: string;
  };
  if (located.loc?.line !== undefined) {
    const where = `${shown}:${located.loc.line}:${(located.loc.column ?? 0) + 1}`;
    const reason = firstLine(error.message.replace(file, shown));
    return `${where}: ${reason}`;
  }
  const compileError = /Transform failed|Expected|Unexpected|SyntaxError|ERROR:/.test(error.message);
  const match = error.message.match(/:(\d+):(\d+):\s*(?:ERROR:\s*)?(.*)/);
  if (compileError && match) return `${shown}:${match[1]}:${Number(match[2]) + 1}: ${match[3]}`;
  // The grader refused an import: its message already says what and why, for the student.
  const refusal = error.message.split('\n').find((line) => line.includes('belongs to the grader'));
  if (error.name === 'BlockedImportError' || refusal) return refusal ?? error.message;
  const site = (error.stack ?? '').split('\n').find((line) => line.includes(file));
  const at = site?.match(/:(\d+):(\d+)\)?$/);
  const location = at ? ` (${shown}:${at[1]}:${at[2]})` : '';
  return `Importing ${shown} threw ${error.name}: ${firstLine(error.message)}${location}. Code at the top level of the module runs when it is imported.`;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '') ?? text;
}
