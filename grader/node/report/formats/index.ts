import type { Report } from '../report.ts';
import { renderClassroom } from './classroom.ts';
import { renderGradescope } from './gradescope.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

/** Every file format of a report, by the name `--format` takes. Each is a view of the same report object. */
export const FORMATS = {
  json: { file: 'report.json', render: renderJson },
  classroom: { file: 'classroom.json', render: renderClassroom },
  junit: { file: 'junit.xml', render: renderJunit },
  gradescope: { file: 'results.json', render: renderGradescope },
  markdown: { file: 'report.md', render: renderMarkdown },
} as const satisfies Record<string, { file: string; render: (report: Report) => string }>;

export type FormatName = keyof typeof FORMATS;

/** Parses `name` or `name=file` (file defaults to `reports/<format's file>`); TypeError naming the bad value. */
export function parseFormat(value: string): { format: FormatName; file: string } {
  const [name, file] = value.split(/=(.*)/s, 2);
  if (!(name in FORMATS)) {
    throw new TypeError(
      `Expected \`--format\` to be one of ${Object.keys(FORMATS).join(', ')}, got \`${name}\``,
    );
  }
  const format = name as FormatName;
  return { format, file: file || `reports/${FORMATS[format].file}` };
}
