import type { Report } from '../report.ts';

/** A Markdown summary (GitHub's step summary): a table per run, then what failed, with hints. */
export function renderMarkdown(report: Report): string {
  const lines = [
    `## awaitlings: ${report.score}/${report.max}`,
    '',
    '| Exercise | Score | Checks passed |',
    '| --- | ---: | ---: |',
    ...report.exercises.map((exercise) => {
      const passed = exercise.checks.filter((check) => check.status === 'pass').length;
      return `| ${cell(`${exercise.id} · ${exercise.title}`)} | ${exercise.score}/${exercise.max} | ${passed}/${exercise.checks.length} |`;
    }),
    '',
  ];
  for (const exercise of report.exercises) {
    const failing = exercise.checks.filter((check) => check.status !== 'pass');
    if (failing.length === 0) continue;
    lines.push(`### ${exercise.id}`, '');
    for (const check of failing) {
      lines.push(
        `<details><summary>${check.status === 'error' ? '⚠️' : '❌'} ${escapeHtml(check.title)} (${check.points} pt${check.points === 1 ? '' : 's'})</summary>`,
        '',
        '```text',
        check.message.replace(/```/g, "'''"),
        '```',
        '',
        `**Hint:** ${escapeHtml(check.hint)}`,
        '',
        '</details>',
        '',
      );
    }
  }
  lines.push(`<sub>seed ${report.seed} · target ${escapeHtml(report.target)}</sub>`, '');
  return lines.join('\n');
}

function cell(text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
