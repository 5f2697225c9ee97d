import type { CheckReport, Report } from '../report.ts';

/**
 * JUnit XML: one `<testsuite>` per exercise, one `<testcase>` per check. Points sit in the suite's
 * `<properties>` (`points.<check>` and `score.<check>`), where the common JUnit schema allows them.
 */
export function renderJunit(report: Report): string {
  const count = (status: CheckReport['status']) =>
    report.exercises.reduce(
      (sum, exercise) => sum + exercise.checks.filter((c) => c.status === status).length,
      0,
    );
  const total = report.exercises.reduce((sum, exercise) => sum + exercise.checks.length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="awaitlings" tests="${total}" failures="${count('fail')}" errors="${count('error')}" time="0">`,
  ];
  report.exercises.forEach((exercise, id) => {
    const failures = exercise.checks.filter((check) => check.status === 'fail').length;
    const errors = exercise.checks.filter((check) => check.status === 'error').length;
    lines.push(
      `  <testsuite name="${xml(exercise.id)}" id="${id}" package="awaitlings" hostname="localhost" ` +
        `timestamp="1970-01-01T00:00:00" tests="${exercise.checks.length}" failures="${failures}" errors="${errors}" time="0">`,
      '    <properties>',
      `      <property name="score" value="${exercise.score}"/>`,
      `      <property name="max" value="${exercise.max}"/>`,
      `      <property name="seed" value="${report.seed}"/>`,
      ...exercise.checks.flatMap((check) => [
        `      <property name="points.${xml(check.id)}" value="${check.points}"/>`,
        `      <property name="score.${xml(check.id)}" value="${check.score}"/>`,
      ]),
      '    </properties>',
    );
    for (const check of exercise.checks) {
      const open = `    <testcase name="${xml(check.title)}" classname="${xml(`${exercise.id}.${check.id}`)}" time="0"`;
      if (check.status === 'pass') {
        lines.push(`${open}/>`);
        continue;
      }
      const tag = check.status === 'fail' ? 'failure' : 'error';
      const first = check.message.split('\n')[0] ?? '';
      lines.push(
        `${open}>`,
        `      <${tag} message="${xml(first)}" type="${check.status === 'fail' ? 'CheckFailure' : 'CheckError'}">${xml(`${check.message}\n\nHint: ${check.hint}`)}</${tag}>`,
        '    </testcase>',
      );
    }
    lines.push('    <system-out/>', '    <system-err/>', '  </testsuite>');
  });
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function xml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}
