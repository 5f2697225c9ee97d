import type { Report } from '../report.ts';

/** Gradescope's autograder `results.json`. */
export interface GradescopeResults {
  score: number;
  max_score: number;
  output: string;
  tests: Array<{
    name: string;
    number: string;
    score: number;
    max_score: number;
    status: 'passed' | 'failed';
    output: string;
    visibility: 'visible' | 'hidden';
  }>;
}

export function toGradescope(report: Report): GradescopeResults {
  return {
    score: report.score,
    max_score: report.max,
    output: `awaitlings: ${report.score}/${report.max} (seed ${report.seed})`,
    tests: report.exercises.flatMap((exercise) =>
      exercise.checks.map((check, index) => ({
        name: `${exercise.id} › ${check.title}`,
        number: `${Number.parseInt(exercise.id, 10)}.${index + 1}`,
        score: check.score,
        max_score: check.points,
        status: check.status === 'pass' ? ('passed' as const) : ('failed' as const),
        output: check.status === 'pass' ? '' : [check.message, `Hint: ${check.hint}`].join('\n\n'),
        visibility: check.visibility === 'hidden' ? ('hidden' as const) : ('visible' as const),
      })),
    ),
  };
}

export function renderGradescope(report: Report): string {
  return `${JSON.stringify(toGradescope(report), null, 2)}\n`;
}
