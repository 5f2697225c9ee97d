import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { chalk } from 'zx';
import type { RequestRecord } from '../lab/timeline.ts';
import { findExercise } from '../manifest.ts';
import { addFeedback } from '../node/feedback.ts';
import { HINT_STATE_FILE, readHintState, resetHints, unlockNextHint } from '../node/hints.ts';
import { renderHtml } from '../node/html.ts';
import { createProgress } from '../node/progress.ts';
import { type CheckReport, type Report, scoreExercise, scoreReport } from '../node/report.ts';
import type { ProgressEvent } from '../node/run.ts';
import { renderReport } from '../node/terminal.ts';
import { renderTimelineSvg, ticks } from '../node/timeline-svg.ts';

/** The student-facing views on hand-made reports: fast, no grading. */
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
  test('the terminal and the HTML show the first exercise hint only, below full marks', () => {
    const failing = addFeedback(
      report((check) => (check.id === 'total-is-slowest' ? { status: 'fail' } : {})),
    );
    const text = renderReport(failing, { chalk });
    const html = renderHtml(failing);
    expect(text).toContain(spec.hints[0]);
    for (const later of spec.hints.slice(1)) {
      expect(text).not.toContain(later);
      expect(html).not.toContain(later.replace(/[&<>"']/g, '').slice(0, 20));
    }
    expect(renderReport(addFeedback(report()), { chalk })).not.toContain('Stuck?');
  });
});

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
