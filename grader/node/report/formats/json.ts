import type { Report } from '../report.ts';

/** Our own format, `awaitlings.report/1`: the report object itself. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
