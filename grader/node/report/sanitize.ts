/**
 * Report text is partly the student's: error messages their code threw, values it returned, URLs it requested.
 * Before any of it reaches a report (and from there a terminal, a CI log or a web page) it is made inert: no terminal
 * control sequences, no line that a CI runner would read as a command (`::notice::`, `::set-output`), no line that
 * looks like the grader's own score line, and no message long enough to bury the report.
 */

/** Longest message a report keeps. */
export const MAX_MESSAGE = 4_000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what it removes
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what it removes
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Lines a CI runner or a score scraper would act on: workflow commands and score lines. */
const COMMAND_LINE = /^(\s*)(::|##\[|score\s*:)/i;

/** `text` with student-controlled content made inert; `max` caps its length. */
export function inert(text: string, max = MAX_MESSAGE): string {
  const cleaned = text
    .replace(ESCAPES, '')
    .replace(/\r\n?/g, '\n')
    .replace(CONTROLS, '')
    .split('\n')
    .map((line) => line.replace(COMMAND_LINE, '$1> $2'))
    .join('\n')
    .trimEnd();
  if (cleaned.length <= max) return cleaned;
  return `${cleaned.slice(0, max)}… (${cleaned.length - max} more characters)`;
}

/** Applies `inert` to every string inside `value` (timelines, spans, notes), each capped at `max`. */
export function inertDeep<T>(value: T, max = 500): T {
  if (typeof value === 'string') return inert(value, max) as T;
  if (Array.isArray(value)) return value.map((item) => inertDeep(item, max)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, inertDeep(inner, max)])) as T;
  }
  return value;
}
