import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { encodeClassroom } from '../report/formats/classroom.ts';
import { renderMarkdown } from '../report/formats/markdown.ts';
import type { Report } from '../report/report.ts';

/** True inside a GitHub Actions job. */
export function inGithubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * Publishes a report to the GitHub Actions job: the `result` step output that GitHub Classroom's grading reporter
 * reads (as `<STEP_ID>_RESULTS`), a Markdown step summary, and an error annotation on the student's file per
 * failing check. Written by the grading process straight to the files GitHub names, never through student output.
 */
export async function publishToGithub(
  report: Report,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  if (env.GITHUB_OUTPUT) await appendFile(env.GITHUB_OUTPUT, `result=${encodeClassroom(report)}\n`);
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, renderMarkdown(report));
  return annotations(report);
}

/** `::error file=…,title=…::message` lines for the failing checks (the caller prints them). */
export function annotations(report: Report): string[] {
  return report.exercises.flatMap((exercise) => {
    const failing = exercise.checks.filter((check) => check.status !== 'pass');
    if (failing.length > 0 && failing.every((check) => check.concept === 'a stub')) {
      return [
        `::notice file=${property(exercise.file)},line=1,title=${property(`${exercise.id}: not started yet`)}::${data('Follow the TODOs in this file.')}`,
      ];
    }
    return failing.map(
      (check) =>
        `::error file=${property(exercise.file)},line=1,title=${property(`${exercise.id}: ${check.title}`)}::` +
        data(`${check.message}\n\nHint: ${check.hint}`),
    );
  });
}

/**
 * Wraps text that may quote student output so that no line of it is read as a workflow command
 * (`::notice::`, `::set-output::`, …): GitHub ignores commands between `::stop-commands::TOKEN` and `::TOKEN::`.
 */
export function neutralise(text: string): string {
  const token = randomBytes(16).toString('hex');
  return `::stop-commands::${token}\n${text}\n::${token}::`;
}

function data(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function property(text: string): string {
  return data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
