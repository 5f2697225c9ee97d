import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';
import { chalk } from 'zx';
import type { RequestRecord } from '../lab/timeline.ts';
import { type ExerciseSpec, findExercise, manifest } from '../manifest.ts';
import { createProgress } from '../node/grading/progress.ts';
import type { ProgressEvent } from '../node/grading/run.ts';
import { addFeedback } from '../node/report/feedback.ts';
import { HINT_STATE_FILE, readHintState, resetHints, unlockNextHint } from '../node/report/hints.ts';
import { renderHtml } from '../node/report/html.ts';
import { type CheckReport, type Report, scoreExercise, scoreReport } from '../node/report/report.ts';
import { conceptLine, renderReport } from '../node/report/terminal.ts';
import { renderTimelineSvg, ticks } from '../node/report/timeline-svg.ts';

/** The student-facing views on hand-made reports: fast, no grading. */
const KIT_ROOT = resolve(import.meta.dirname, '../..');
const EXERCISE = '01-fetch-all';
const spec = findExercise(EXERCISE);
chalk.level = 0;

function record(index: number, start: number, end: number | undefined): RequestRecord {
  return {
    index,
    method: 'GET',
    url: `https://lab.test/r${index}`,
    origin: 'https://lab.test',
    path: `/r${index}`,
    headers: {},
    start,
    end,
    outcome: end === undefined ? 'pending' : 'response',
    inFlightAtStart: 1,
  };
}

/** A report of exercise 01 where `override` changes some checks. */
function report(override: (check: CheckReport) => Partial<CheckReport> = () => ({})): Report {
  const checks = spec.checks.map((check): CheckReport => {
    const base: CheckReport = {
      id: check.id,
      title: check.title,
      points: check.points,
      score: check.points,
      status: 'pass',
      message: '',
      hint: check.hint,
      visibility: check.visibility ?? 'public',
    };
    const changed = { ...base, ...override(base) };
    return { ...changed, score: changed.status === 'pass' ? changed.points : 0 };
  });
  return scoreReport({
    seed: 1,
    target: 'exercises',
    exercises: [
      scoreExercise({ id: EXERCISE, title: spec.title, file: `exercises/${EXERCISE}/index.ts`, checks }),
    ],
  });
}

describe('createProgress()', () => {
  const events: ProgressEvent[] = [
    { type: 'exercise-start', exercise: EXERCISE },
    { type: 'exercise-start', exercise: EXERCISE },
    ...spec.checks.flatMap((check, index): ProgressEvent[] => [
      { type: 'check-start', exercise: EXERCISE, check: check.id },
      { type: 'check-done', exercise: EXERCISE, check: check.id, passed: index !== 1 },
    ]),
  ];

  test('off a terminal: one plain line when an exercise starts and one when it is done', () => {
    const written: string[] = [];
    const progress = createProgress({ write: (text: string) => written.push(text) }, { live: false });
    for (const event of events) progress.update(event);
    progress.done();
    expect(written).toEqual([
      `grading ${EXERCISE} (${spec.checks.length} checks)…\n`,
      `graded ${EXERCISE}: ${spec.checks.length - 1} of ${spec.checks.length} checks passed\n`,
    ]);
  });

  test('on a terminal: one line redrawn, a mark per check, the running check named, cleared at the end', () => {
    const written: string[] = [];
    const progress = createProgress(
      { write: (text: string) => written.push(text), columns: 200 },
      { live: true },
    );
    progress.update(events[0]);
    progress.update(events[2]);
    expect(written.at(-1)).toBe(
      `\r\u001b[2Kgrading  01 ▸${'·'.repeat(spec.checks.length - 1)}  ${spec.checks[0].id}`,
    );
    for (const event of events.slice(3)) progress.update(event);
    expect(written.at(-1)).toContain(`01 ✓✗${'✓'.repeat(spec.checks.length - 2)}`);
    progress.done();
    expect(written.at(-1)).toBe('\r\u001b[2K');
  });
});

describe('unlockNextHint()', () => {
  const root = mkdtempSync(join(tmpdir(), 'awaitlings-hints-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('shows the hints one at a time, gentlest first, remembers them, and can forget them', async () => {
    for (let shown = 1; shown <= spec.hints.length; shown++) {
      const unlocked = await unlockNextHint(root, EXERCISE);
      expect(unlocked).toEqual({
        exercise: EXERCISE,
        hints: spec.hints.slice(0, shown),
        total: spec.hints.length,
        unlocked: true,
      });
    }
    const again = await unlockNextHint(root, EXERCISE);
    expect(again.unlocked).toBe(false);
    expect(again.hints).toEqual(spec.hints);
    expect(JSON.parse(readFileSync(join(root, HINT_STATE_FILE), 'utf8')).shown).toEqual({
      [EXERCISE]: spec.hints.length,
    });
    await resetHints(root, EXERCISE);
    expect((await readHintState(root)).shown[EXERCISE]).toBe(0);
  });
});

describe('the first hint in the reports', () => {
  test("a failing check's own hint comes first, in the terminal and the HTML, below full marks only", () => {
    const failing = addFeedback(
      report((check) =>
        check.id === 'total-is-slowest' || check.id === 'first-success-wins' ? { status: 'fail' } : {},
      ),
    );
    const own = spec.checks.find((check) => check.id === 'total-is-slowest')?.hint ?? '';
    expect(failing.exercises[0].hint).toBe(own);
    const text = renderReport(failing, { chalk });
    expect(text).toContain(`Stuck? A first hint: ${own}`);
    expect(text).toContain("`npm run hint -- 01` shows the exercise's hints, one at a time.");
    const html = renderHtml(failing);
    expect(html).toContain('<p class="exercise-hint">Stuck? A first hint: If the requests overlap');
    expect(html).toContain('<code>npm run hint -- 01</code> shows the exercise&#39;s hints, one at a time.');
    for (const exerciseHint of spec.hints) expect(text).not.toContain(exerciseHint);
    expect(renderReport(addFeedback(report()), { chalk })).not.toContain('Stuck?');
  });

  test("not started (every check a stub) or not loadable: the exercise's first hint, the later ones never", () => {
    const stub = addFeedback(
      report(() => ({ status: 'fail', message: 'not implemented', concept: 'a stub' })),
    );
    const unloadable = addFeedback(report(() => ({ status: 'error', message: 'SyntaxError: oops' })));
    for (const failing of [stub, unloadable]) {
      expect(failing.exercises[0].hint).toBe(spec.hints[0]);
      const text = renderReport(failing, { chalk });
      const html = renderHtml(failing);
      expect(text).toContain(`Stuck? A first hint: ${spec.hints[0]}`);
      for (const later of spec.hints.slice(1)) {
        expect(text).not.toContain(later);
        expect(html).not.toContain(later.replace(/[&<>"'`]/g, '').slice(0, 20));
      }
    }
  });
});

/**
 * Every sentence a failing check can show besides its message: the concept line of each `concept` a suite or the lab
 * passes, every hint and every title of the manifest. Rules catch the mechanical slips; the golden file
 * (`golden/student-sentences.txt`) holds them all rendered, so a changed or new sentence shows up for review.
 */
describe('every sentence a student can read', () => {
  const concepts = collectConcepts([join(KIT_ROOT, 'grader/suites'), join(KIT_ROOT, 'grader/lab')]);
  const exercises = manifest as readonly ExerciseSpec[];

  test('the suites and the lab pass concepts that the report can say (found statically, all of them)', () => {
    expect(concepts.size).toBeGreaterThan(50);
    expect([...concepts.keys()]).toContain('the classic `await` in a loop');
  });

  test('each concept is a noun phrase that reads as "Concept: <it>."', () => {
    for (const [concept, files] of concepts) {
      const where = `${concept} (in ${files.join(', ')})`;
      expect(problemsOf(concept), where).toEqual([]);
      expect(concept, `${where}: a concept follows "Concept:", it holds no colon of its own`).not.toMatch(
        /:/,
      );
      expect(concept, `${where}: it starts in lower case, or with a name such as Promise.race`).toMatch(
        /^(?:[a-z`]|[A-Z][\w]*[.\-_(]|[A-Z]{2,}\b)/,
      );
      expect(concept, `${where}: the report adds the full stop`).not.toMatch(/[.!?,;]$/);
      expect(conceptLine(concept)).toBe(`Concept: ${concept}.`);
    }
  });

  test('each hint and title is a clean sentence: hints end with a full stop, titles do not', () => {
    for (const exercise of exercises) {
      for (const hint of exercise.hints) {
        expect(problemsOf(hint), `${exercise.id} hint: ${hint}`).toEqual([]);
        expect(hint, `${exercise.id} hint`).toMatch(/[.)]$/);
      }
      for (const check of exercise.checks) {
        expect(problemsOf(check.hint), `${exercise.id}/${check.id} hint`).toEqual([]);
        expect(check.hint, `${exercise.id}/${check.id} hint`).toMatch(/[.)]$/);
        expect(problemsOf(check.title), `${exercise.id}/${check.id} title`).toEqual([]);
        expect(check.title, `${exercise.id}/${check.id} title`).not.toMatch(/[.]$/);
      }
    }
  });

  test('rendered as the terminal shows them, they match the reviewed golden file', async () => {
    const lines = [
      '# Concepts, as a failing check shows them',
      ...[...concepts.keys()].sort().map((concept) => conceptLine(concept)),
      ...exercises.flatMap((exercise) => [
        '',
        `# ${exercise.id}: ${exercise.title}`,
        ...exercise.hints.map((hint, i) => `hint ${i + 1}: ${hint}`),
        ...exercise.checks.flatMap((check) => [`${check.title}`, `  Hint: ${check.hint}`]),
      ]),
    ];
    await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot('./golden/student-sentences.txt');
  });
});

/** Mechanical slips in a sentence: doubled words, stray spaces, unbalanced backticks, brackets or quotes. */
function problemsOf(text: string): string[] {
  const problems: string[] = [];
  // Code spans and quoted words are what they are; the rules look at the prose around them.
  const prose = text.replace(/`[^`]*`/g, 'CODE').replace(/"[^"]*"/g, 'QUOTE');
  if (text !== text.trim()) problems.push('leading or trailing space');
  if (/ {2}/.test(text)) problems.push('two spaces in a row');
  if (/ [,.;:]/.test(prose)) problems.push('a space before punctuation');
  const doubled = prose.match(/\b(\w+) \1\b/i);
  if (doubled) problems.push(`doubled word "${doubled[1]}"`);
  if ((text.match(/`/g) ?? []).length % 2 !== 0) problems.push('unbalanced backticks');
  if ((prose.match(/"/g) ?? []).length % 2 !== 0) problems.push('unbalanced quotes');
  // A half-open interval such as [t, t + windowMs) closes a bracket with a parenthesis: count them together.
  const opened = (prose.match(/[([]/g) ?? []).length;
  const closed = (prose.match(/[)\]]/g) ?? []).length;
  if (opened !== closed) problems.push('unbalanced brackets');
  return problems;
}

/** Every string a `concept:` property can take in these folders, with the files that use it. */
function collectConcepts(folders: readonly string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? files(join(dir, entry.name))
        : entry.name.endsWith('.ts')
          ? [join(dir, entry.name)]
          : [],
    );
  for (const file of folders.flatMap(files)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const strings = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        found.set(node.text, [...new Set([...(found.get(node.text) ?? []), relative(KIT_ROOT, file)])]);
      }
      ts.forEachChild(node, strings);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'concept') strings(node.initializer);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('renderHtml()', () => {
  test('text from student code cannot become markup or end the embedded report', () => {
    const hostile = '</script><script>alert(1)</script><img src=x onerror=alert(2)> `code`';
    const failing = report((check) =>
      check.id === 'starts-all-at-once' ? { status: 'fail', message: hostile, concept: hostile } : {},
    );
    const html = renderHtml(failing);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    const embedded = html.match(/<script type="application\/json" id="awaitlings-report">(.*?)<\/script>/s);
    expect(JSON.parse(embedded?.[1] ?? 'null')).toEqual(failing);
  });

  test('passing checks keep their timelines behind the "show passing" toggle', () => {
    const html = renderHtml(
      report((check) => (check.id === 'total-is-slowest' ? { timeline: [record(0, 0, 100)] } : {})),
    );
    expect(html).toContain('<details class="passing-timeline" id="01-fetch-all--total-is-slowest"');
    expect(html).toContain('body:has(#show-passing:checked) .passing-timeline { display: block; }');
  });
});

describe('renderTimelineSvg()', () => {
  test('one bar per request and per span, lanes shared, the marker drawn, open bars run to the axis end', () => {
    const svg = renderTimelineSvg(
      {
        timeline: [record(0, 0, 120), record(1, 0, undefined)],
        spans: [
          { label: 'attempt 1', lane: 'retry', start: 0, end: 50, mark: '!' },
          { label: 'backoff', lane: 'retry', start: 50, end: 150, kind: 'wait' },
          { label: 'put 1', start: 80, end: 80 },
        ],
        marker: { at: 80, note: '2 in flight (limit 1)' },
      },
      { label: 'a run', axisEnd: 200 },
    );
    expect(svg.match(/<rect class="bar /g)).toHaveLength(5);
    expect(svg.match(/class="row-label"/g)).toHaveLength(2 + 2 + 1); // 2 requests, 2 lanes, in-flight strip
    expect(svg).toContain('class="bar bar-pending bar-open"');
    expect(svg).toContain('class="bar bar-wait"');
    expect(svg).toContain('class="bar bar-instant"');
    expect(svg).toContain('80 ms: 2 in flight (limit 1)');
    expect(svg).toContain('>200 ms</text>');
  });

  test('ticks() - round steps from 0 to the end', () => {
    expect(ticks(4)).toEqual([0, 1, 2, 3, 4]);
    expect(ticks(610)).toEqual([0, 200, 400, 600]);
    expect(ticks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
  });
});
