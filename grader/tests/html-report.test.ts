import { accessSync, constants, copyFileSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ExerciseSpec, manifest } from '../manifest.ts';
import { Grader, KIT_ROOT } from '../node/grading/run.ts';
import { TypeCheckThread } from '../node/grading/typecheck.ts';
import { gradeWithFeedback } from '../node/report/feedback.ts';
import { writeHtml } from '../node/report/html.ts';
import type { CheckReport, Report } from '../node/report/report.ts';
import { conceptLine } from '../node/report/terminal.ts';

/**
 * The HTML report, opened in a real browser: Debian's `chromium`, driven by playwright-core (which downloads
 * nothing). Reports and screenshots land in reports/html-report/ (gitignored). `AWAITLINGS_DOCS_SCREENSHOT=1`
 * also refreshes docs/report.png. `CHROMIUM_PATH` picks another Chromium or Chrome.
 */
const chromiumPath = findChromium();
const OUT = join(KIT_ROOT, 'reports/html-report');
const SEED = 20261122;
const only = process.env.AWAITLINGS_ONLY?.split(',').filter(Boolean);
const ids = (manifest as readonly ExerciseSpec[])
  .map((exercise) => exercise.id)
  .filter((id) => !only || only.includes(id));
const MISTAKES = ['await-in-loop', 'race-timeout-no-abort'] as const;

if (!chromiumPath) {
  console.warn(
    'html-report.test.ts: skipped, no Chromium found (looked for chromium, chromium-browser, google-chrome on PATH ' +
      "and CHROMIUM_PATH). Install Debian's chromium (apt-get install chromium) to run it; .ci/run does.",
  );
}

describe.skipIf(!chromiumPath)('HTML report in headless Chromium', () => {
  let browser: Browser;
  const reports = new Map<string, Report>();

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const [launched] = await Promise.all([
      chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      }),
      gradeAll(),
    ]);
    browser = launched;
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function gradeAll(): Promise<void> {
    const grader = await Grader.start();
    const typeCheck = TypeCheckThread.start(KIT_ROOT);
    try {
      const grade = (request: Parameters<Grader['grade']>[0]) =>
        gradeWithFeedback(grader, { seed: SEED, ...request }, { root: KIT_ROOT, typeCheck });
      reports.set('stubs', await grade({ exercises: ids, target: 'exercises' }));
      reports.set('solutions', await grade({ exercises: ids, target: 'solutions' }));
      for (const mistake of MISTAKES) {
        const file = `fixtures/mistakes/01-fetch-all/${mistake}.ts`;
        reports.set(mistake, await grade({ exercises: ['01-fetch-all'], files: { '01-fetch-all': file } }));
      }
    } finally {
      await grader.close();
      await typeCheck.close();
    }
  }

  /** Writes the report, opens it with the network cut off, and returns the page and what went wrong in it. */
  async function open(name: string, report: Report) {
    const file = await writeHtml(report, join(OUT, `${name}.html`));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, problems, requests };
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    const path = join(OUT, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    if (name === 'race-timeout-no-abort' && process.env.AWAITLINGS_DOCS_SCREENSHOT) {
      copyFileSync(path, join(KIT_ROOT, 'docs/report.png'));
    }
  }

  test('the stubs: score 0, every exercise and check listed, each exercise says it is not started', async () => {
    const report = reports.get('stubs')!;
    const { page, problems, requests } = await open('stubs', report);
    await expect.poll(() => page.locator('.total').getAttribute('data-score')).toBe('0');
    for (const exercise of report.exercises) {
      const section = page.locator(`section[data-exercise="${exercise.id}"]`);
      await expect.poll(() => section.locator('tr.check-row').count()).toBe(exercise.checks.length);
      if (exercise.checks.every((check) => check.concept === 'a stub')) {
        expect(await section.locator('.note.stub').textContent()).toContain('Not started yet');
      }
      expect(await section.locator('.exercise-hint').textContent()).toContain(
        (exercise.hint ?? '').replaceAll('`', ''),
      );
    }
    expect(await page.locator('.card').count()).toBe(report.exercises.length);
    await screenshot(page, 'stubs');
    expect({ problems, requests }).toEqual({ problems: [], requests: [] });
    await page.close();
  });

  test('the solutions: full marks and nothing to fix', async () => {
    const report = reports.get('solutions')!;
    expect(report.score).toBe(report.max);
    const { page, problems, requests } = await open('solutions', report);
    expect(await page.locator('.total').textContent()).toContain(`${report.max}/${report.max}`);
    expect(await page.locator('article.check').count()).toBe(0);
    expect(await page.locator('tr.check-row.pass').count()).toBe(
      report.exercises.reduce((sum, exercise) => sum + exercise.checks.length, 0),
    );
    await screenshot(page, 'solutions');
    expect({ problems, requests }).toEqual({ problems: [], requests: [] });
    await page.close();
  });

  for (const mistake of MISTAKES) {
    test(`mistake ${mistake}: each failing check has its message, hint and an SVG timeline of the run`, async () => {
      const report = reports.get(mistake)!;
      const [exercise] = report.exercises;
      const failing = exercise.checks.filter((check) => check.status !== 'pass');
      expect(failing.length).toBeGreaterThan(0);
      const { page, problems, requests } = await open(mistake, report);
      for (const check of failing) {
        const article = page.locator(`article.check[data-check="${check.id}"]`);
        expect(await article.locator('h3').textContent()).toContain(check.title);
        expect(await article.locator('pre.message').textContent()).toBe(check.message);
        expect(await article.locator('.hint').textContent()).toContain('Hint:');
        if (check.concept) {
          // The line the terminal prints, with its `code` spans drawn as <code>.
          const line = conceptLine(check.concept).replaceAll('`', '');
          expect(await article.locator('.concept').textContent()).toBe(line);
        }
        await expectTimeline(article.locator('figure.timeline.actual'), check);
      }
      await screenshot(page, mistake);
      expect({ problems, requests }).toEqual({ problems: [], requests: [] });
      await page.close();
    });
  }

  test('a check that provides the reference run and spans is drawn side by side on one axis', async () => {
    const base = reports.get('await-in-loop')!;
    const report = withReference(base);
    const { page, problems } = await open('reference-side-by-side', report);
    const article = page.locator('article.check[data-check="total-is-slowest"]');
    const figures = article.locator('.timelines > figure');
    expect(await figures.count()).toBe(2);
    expect(await figures.nth(0).getAttribute('class')).toContain('actual');
    expect(await figures.nth(1).getAttribute('class')).toContain('expected');
    const [left, right] = await Promise.all([0, 1].map((index) => figures.nth(index).boundingBox()));
    expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
    // One axis: both panels end on the same tick.
    const lastTick = (index: number) => figures.nth(index).locator('text.tick').last().textContent();
    expect(await lastTick(0)).toBe(await lastTick(1));
    expect(await figures.nth(0).locator('line.marker').count()).toBe(1);
    expect(await figures.nth(1).locator('rect.bar-wait').count()).toBe(1);
    await screenshot(page, 'reference-side-by-side');
    expect(problems).toEqual([]);
    await page.close();
  });
});

/** The failing check's SVG has one bar per request it made (up to the drawn maximum), each with a tooltip. */
async function expectTimeline(figure: ReturnType<Page['locator']>, check: CheckReport): Promise<void> {
  const requests = check.timeline?.length ?? 0;
  if (requests === 0) {
    expect(await figure.count()).toBe(0);
    return;
  }
  const svg = figure.locator('svg.timeline-svg');
  expect(await svg.count()).toBe(1);
  expect(await svg.getAttribute('role')).toBe('img');
  expect(await svg.locator('rect.bar').count()).toBe(Math.min(40, requests));
  expect(await svg.locator('rect.bar title').first().textContent()).toMatch(/ms/);
  const box = await svg.boundingBox();
  expect(box!.width).toBeGreaterThan(300);
}

/** The report with a reference run, spans and a marker added to `total-is-slowest`, as a check could provide. */
function withReference(report: Report): Report {
  return {
    ...report,
    exercises: report.exercises.map((exercise) => ({
      ...exercise,
      checks: exercise.checks.map((check) => {
        if (check.id !== 'total-is-slowest' || !check.timeline) return check;
        const ends = check.timeline.map((record) => (record.end ?? record.start) - record.start);
        return {
          ...check,
          marker: { at: Math.max(...ends), note: 'the slowest request is done here' },
          spans: [{ label: 'fetchAll', start: 0, end: check.timeline.at(-1)?.end, mark: '✓' as const }],
          expected: {
            note: 'every request starts at 0',
            timeline: check.timeline.map((record, index) => ({ ...record, start: 0, end: ends[index] })),
            spans: [{ label: 'caller waits', start: 0, end: Math.max(...ends), kind: 'wait' as const }],
          },
        };
      }),
    })),
  };
}

function findChromium(): string | undefined {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .flatMap((folder) =>
          ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].map((name) =>
            resolve(folder, name),
          ),
        );
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
