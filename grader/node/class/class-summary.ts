import { renderMarkdown } from '../report/formats/markdown.ts';
import type { Report } from '../report/report.ts';
import type { ClassSummary } from './batch.ts';

/**
 * The class at a glance, in Markdown (the merge job's step summary): how many students were graded, the
 * distribution of totals in tenths of the maximum, and each check's pass rate, least passed first.
 */
export function renderClassSummary(summary: ClassSummary): string {
  const graded = summary.results.filter((result) => result.report);
  const count = (status: string) => summary.results.filter((result) => result.status === status).length;
  const lines = [
    `## awaitlings: class of ${summary.results.length}`,
    '',
    `${count('graded')} graded, ${count('missing')} with no exercises/ folder, ${count('error')} the grader could not grade.`,
    '',
  ];
  if (graded.length > 0) {
    const totals = graded.map((result) => result.report as Report);
    const max = Math.max(...totals.map((report) => report.max));
    const scores = totals.map((report) => report.score).sort((a, b) => a - b);
    const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
    const median =
      scores.length % 2 === 1
        ? scores[(scores.length - 1) / 2]
        : (scores[scores.length / 2 - 1] + scores[scores.length / 2]) / 2;
    lines.push(
      `Mean ${round(mean)}/${max}, median ${round(median)}/${max}.`,
      '',
      '| Total | Students |',
      '| --- | ---: |',
    );
    const buckets = 10;
    for (let bucket = buckets - 1; bucket >= 0; bucket--) {
      const low = (bucket * max) / buckets;
      const high = ((bucket + 1) * max) / buckets;
      const inBucket = scores.filter(
        (score) => score >= low && (bucket === buckets - 1 ? score <= high : score < high),
      );
      lines.push(
        `| ${round(low)}–${round(high)}${bucket === buckets - 1 ? '' : ' (excl.)'} | ${inBucket.length} ${'█'.repeat(Math.round((inBucket.length / graded.length) * 20))} |`,
      );
    }
    lines.push('', '| Check | Passed |', '| --- | ---: |');
    for (const row of summary.distribution) {
      const passed = row.graded - row.failed;
      lines.push(
        `| ${cell(`${row.exercise} · ${row.title}`)} | ${passed}/${row.graded} (${Math.round((passed / row.graded) * 100)}%) |`,
      );
    }
    lines.push('');
  }
  const broken = summary.results.filter((result) => result.status !== 'graded');
  if (broken.length > 0) {
    lines.push('| Student | Status | Why |', '| --- | --- | --- |');
    for (const result of broken)
      lines.push(`| ${cell(result.student)} | ${result.status} | ${cell(result.error ?? '')} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * One student's feedback (Markdown): the report as the step summary shows it, what was not graded and why, and no
 * failure message of a hidden check: such a message could quote the hidden check (student code can make its
 * failures say anything it read), and the titles and points already say what failed.
 */
export function renderFeedback(result: ClassSummary['results'][number]): string {
  const lines = [`# ${result.student}`, ''];
  for (const { file, reason } of result.ignored) lines.push(`- not graded: \`${file}\` (${reason})`);
  if (result.ignored.length > 0) lines.push('');
  if (!result.report) {
    lines.push(
      result.status === 'missing'
        ? 'No exercises/ folder was handed in.'
        : `Could not be graded: ${result.error ?? ''}`,
      '',
    );
    return lines.join('\n');
  }
  const withheld: Report = {
    ...result.report,
    exercises: result.report.exercises.map((exercise) => ({
      ...exercise,
      checks: exercise.checks.map((check) =>
        check.visibility === 'hidden' && check.status !== 'pass'
          ? { ...check, message: 'This is a hidden check: its message is not shown.' }
          : check,
      ),
    })),
  };
  return `${lines.join('\n')}${renderMarkdown(withheld)}`;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}
