import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { TimelineData } from '../../lab/suite.ts';
import type { CheckReport, ExerciseReport, Report } from './report.ts';
import { conceptLine, hintCommandLine } from './terminal.ts';
import { esc, hasTimeline, renderTimelineSvg, timelineEnd } from './timeline-svg.ts';

const STATUS_MARK: Record<CheckReport['status'], string> = { pass: '✓', fail: '✗', error: '!' };
const STATUS_WORD: Record<CheckReport['status'], string> = { pass: 'Passed', fail: 'Failed', error: 'Error' };

/**
 * The report as one self-contained HTML page (no scripts, no network): the score, each exercise's checks,
 * the failing checks' messages, concepts and hints, and SVG timelines of what the code did, beside the reference
 * timeline when the check provides one. Passing checks' timelines, when recorded, show on demand (a checkbox).
 * The report itself is embedded as JSON (`<script type="application/json" id="awaitlings-report">`).
 *
 * @example
 * await writeFile('report.html', renderHtml(report));
 */
export function renderHtml(report: Report): string {
  const full = report.score === report.max;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="awaitlings ${esc(report.schema)}">
<title>awaitlings · ${report.score}/${report.max}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="summary">
  <h1>awaitlings</h1>
  <p class="total ${full ? 'full' : ''}" data-score="${report.score}" data-max="${report.max}">Score: <strong>${report.score}</strong>/${report.max}</p>
  <p class="run">seed ${report.seed} · target ${esc(report.target)}</p>
  <nav class="overview" aria-label="Exercises">
${report.exercises.map(renderCard).join('\n')}
  </nav>
  <label class="toggle"><input type="checkbox" id="show-passing"> show the timelines of passing checks too</label>
</header>
<main>
${report.exercises.map(renderExercise).join('\n')}
</main>
<footer>
  <p>How to read a timeline: one row per request (or task), on the virtual time axis of the check.
  <span class="legend"><span class="swatch bar-response"></span> answered ✓ <span class="swatch bar-aborted"></span> aborted ×
  <span class="swatch bar-network-error"></span> failed ! <span class="swatch bar-pending"></span> still running …
  <span class="swatch marker-swatch"></span> where the rule broke</span>.
  The strip below the rows counts the requests in flight. Re-run with the printed seed to see the same run again.</p>
</footer>
<script type="application/json" id="awaitlings-report">${jsonForScript(report)}</script>
</body>
</html>
`;
}

function renderCard(exercise: ExerciseReport): string {
  const level = exercise.score === exercise.max ? 'full' : exercise.score === 0 ? 'zero' : 'partial';
  const percent = exercise.max === 0 ? 0 : Math.round((exercise.score / exercise.max) * 100);
  return `    <a class="card ${level}" href="#${anchor(exercise.id)}">
      <span class="card-id">${esc(exercise.id.slice(0, 2))}</span>
      <span class="card-title">${esc(exercise.title)}</span>
      <span class="bar-track"><span class="bar-fill" style="width:${percent}%"></span></span>
      <span class="card-score">${exercise.score}/${exercise.max}</span>
    </a>`;
}

function renderExercise(exercise: ExerciseReport): string {
  const failing = exercise.checks.filter((check) => check.status !== 'pass');
  const stub =
    failing.length === exercise.checks.length &&
    failing.length > 0 &&
    failing.every((check) => check.concept === 'a stub');
  const unloadable =
    !stub &&
    failing.length === exercise.checks.length &&
    failing.length > 0 &&
    failing.every((check) => check.status === 'error' && check.message === failing[0].message);
  const details = stub ? [] : unloadable ? [] : failing;
  const passingWithTimeline = exercise.checks.filter(
    (check) => check.status === 'pass' && (hasTimeline(check) || hasTimeline(check.expected)),
  );
  const level = exercise.score === exercise.max ? 'full' : exercise.score === 0 ? 'zero' : 'partial';
  return `<section class="exercise ${level}" id="${anchor(exercise.id)}" data-exercise="${esc(exercise.id)}">
  <h2><span class="exercise-id">${esc(exercise.id)}</span> ${esc(exercise.title)} <span class="exercise-score">${exercise.score}/${exercise.max}</span></h2>
  <p class="file"><code>${esc(exercise.file)}</code></p>
${renderDiagnostics(exercise)}${stub ? `  <p class="note stub">Not started yet: <code>${esc(exercise.file)}</code> still throws "not implemented yet". That is fine! ${startHere(exercise.file)}</p>\n` : ''}${unloadable && !exercise.diagnostics?.some((d) => d.kind === 'syntax') ? `  <pre class="note load-error">${esc(failing[0].message)}</pre>\n` : ''}  <table class="checks">
    <thead><tr><th scope="col"><span class="visually-hidden">status</span></th><th scope="col">pts</th><th scope="col">check</th></tr></thead>
    <tbody>
${exercise.checks.map((check) => renderRow(exercise, check, details.includes(check))).join('\n')}
    </tbody>
  </table>
${details.map((check) => renderFailure(exercise, check)).join('\n')}${passingWithTimeline.map((check) => renderPassing(exercise, check)).join('\n')}${exercise.hint && exercise.score < exercise.max ? `  <p class="exercise-hint">Stuck? A first hint: ${inline(exercise.hint)} <span class="dim">${inline(hintCommandLine(exercise.id))}</span></p>\n` : ''}</section>`;
}

function renderDiagnostics(exercise: ExerciseReport): string {
  const diagnostics = exercise.diagnostics ?? [];
  if (diagnostics.length === 0) return '';
  const syntax = diagnostics.some((diagnostic) => diagnostic.kind === 'syntax');
  const count = `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}`;
  const lead = syntax
    ? `TypeScript cannot read <code>${esc(exercise.file)}</code>, so none of the checks could run:`
    : `TypeScript found ${count} in <code>${esc(exercise.file)}</code> (the checks ran anyway):`;
  const items = diagnostics
    .map(
      (diagnostic) =>
        `<li><code class="location">${esc(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`)}</code> ${esc(diagnostic.message)} <span class="dim">(${esc(diagnostic.code)})</span></li>`,
    )
    .join('');
  return `  <div class="diagnostics ${syntax ? 'syntax' : 'type'}"><p>${lead}</p><ul>${items}</ul></div>\n`;
}

function renderRow(exercise: ExerciseReport, check: CheckReport, detailed: boolean): string {
  const hidden = check.visibility === 'hidden' ? ' <span class="badge">hidden</span>' : '';
  const link = detailed
    ? `<a href="#${anchor(exercise.id, check.id)}">${esc(check.title)}</a>`
    : esc(check.title);
  return `      <tr class="check-row ${check.status}" data-check="${esc(check.id)}"><td class="mark" title="${STATUS_WORD[check.status]}">${STATUS_MARK[check.status]}</td><td class="points">${check.points}</td><td>${link}${hidden}</td></tr>`;
}

function renderFailure(exercise: ExerciseReport, check: CheckReport): string {
  return `  <article class="check ${check.status}" id="${anchor(exercise.id, check.id)}" data-check="${esc(check.id)}" data-status="${check.status}">
    <h3><span class="mark">${STATUS_MARK[check.status]}</span> ${STATUS_WORD[check.status]}: ${esc(check.title)} <span class="points">${check.points} pt${check.points === 1 ? '' : 's'}</span></h3>
${check.concept ? `    <p class="concept">${inline(conceptLine(check.concept))}</p>\n` : ''}    <pre class="message">${esc(check.message)}</pre>
${renderTimelines(check)}${check.hint ? `    <p class="hint"><strong>Hint:</strong> ${inline(check.hint)}</p>\n` : ''}  </article>`;
}

function renderPassing(exercise: ExerciseReport, check: CheckReport): string {
  return `  <details class="passing-timeline" id="${anchor(exercise.id, check.id)}" data-check="${esc(check.id)}">
    <summary>✓ ${esc(check.title)}: its timeline</summary>
${renderTimelines(check)}  </details>`;
}

/** The student's run, beside the reference run when the check provides one, on one shared time axis. */
function renderTimelines(check: CheckReport): string {
  const actual: TimelineData = { timeline: check.timeline, spans: check.spans, marker: check.marker };
  const expected = check.expected;
  const panels: Array<{ role: string; caption: string; data: TimelineData }> = [];
  if (hasTimeline(actual)) panels.push({ role: 'actual', caption: 'What your code did', data: actual });
  if (expected && hasTimeline(expected)) {
    const note = expected.note ? `: ${expected.note}` : '';
    panels.push({
      role: 'expected',
      caption: `What the reference does with the same workload${note}`,
      data: expected,
    });
  }
  if (panels.length === 0) return '';
  const axisEnd = Math.max(...panels.map((panel) => timelineEnd(panel.data)));
  const figures = panels.map(
    (panel) => `      <figure class="timeline ${panel.role}">
        <figcaption>${esc(panel.caption)}</figcaption>
        ${renderTimelineSvg(panel.data, { axisEnd, label: `${panel.caption}, ${check.title}` })}
      </figure>`,
  );
  return `    <div class="timelines">\n${figures.join('\n')}\n    </div>\n`;
}

function startHere(file: string): string {
  return file.endsWith('/index.ts')
    ? `Read <code>${esc(`${file.slice(0, -'index.ts'.length)}README.md`)}</code>, then follow the TODOs in <code>${esc(file)}</code>.`
    : `Follow the TODOs in <code>${esc(file)}</code>.`;
}

/** Escaped text with `code` spans, as messages and hints write them. */
function inline(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function anchor(exercise: string, check?: string): string {
  return check ? `${exercise}--${check}` : exercise;
}

/** JSON that cannot end the script element it sits in. */
function jsonForScript(report: Report): string {
  return JSON.stringify(report)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1d1f; --dim: #6b6b70; --card: #ffffff; --line: #e2e2e5;
  --pass: #1f8a4c; --fail: #c62828; --warn: #b26a00; --accent: #3b5bdb; --code: #f1f1f4;
  --bar-ok: #4c9f70; --bar-abort: #9e9ea6; --bar-error: #d9534f; --bar-pending: #e0a030; --bar-work: #5c7cfa;
  --bar-wait: #c5cdf5; --marker: #e03131; }
@media (prefers-color-scheme: dark) { :root { --bg: #16161a; --fg: #e8e8ea; --dim: #9a9aa2; --card: #1f1f25;
  --line: #34343c; --code: #2a2a32; --pass: #4cc27f; --fail: #ff6b6b; --warn: #f0a040; --accent: #8ea2ff; --bar-wait: #3a4270; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
code { background: var(--code); padding: 0 4px; border-radius: 4px; }
h1 { margin: 0; font-size: 22px; letter-spacing: .02em; }
.summary { display: grid; gap: 8px; margin-bottom: 24px; }
.total { font-size: 28px; margin: 0; } .total.full strong { color: var(--pass); }
.run, .dim, .file { color: var(--dim); margin: 0; }
.overview { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px; margin-top: 8px; }
.card { display: grid; grid-template-columns: auto 1fr auto; gap: 4px 8px; align-items: center; padding: 10px 12px;
  background: var(--card); border: 1px solid var(--line); border-radius: 10px; color: inherit; text-decoration: none; }
.card:hover { border-color: var(--accent); }
.card-id { font-weight: 700; color: var(--dim); } .card-title { font-size: 13px; } .card-score { font-weight: 700; }
.bar-track { grid-column: 1 / -1; height: 6px; background: var(--line); border-radius: 3px; overflow: hidden; }
.bar-fill { display: block; height: 100%; background: var(--warn); }
.card.full .bar-fill { background: var(--pass); } .card.zero .card-score { color: var(--fail); }
.toggle { color: var(--dim); font-size: 13px; }
.exercise { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px 20px; margin: 0 0 20px; }
.exercise h2 { margin: 0; font-size: 19px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.exercise-id { color: var(--dim); font-weight: 600; } .exercise-score { margin-left: auto; }
.exercise.full .exercise-score { color: var(--pass); } .exercise.zero .exercise-score { color: var(--fail); }
.exercise.partial .exercise-score { color: var(--warn); }
table.checks { border-collapse: collapse; width: 100%; margin: 12px 0; }
.checks th { text-align: left; font-size: 12px; color: var(--dim); font-weight: 600; }
.checks td, .checks th { padding: 3px 8px; border-bottom: 1px solid var(--line); }
.checks td.mark { width: 24px; font-weight: 700; } .checks td.points { width: 40px; color: var(--dim); text-align: right; }
.check-row.pass .mark { color: var(--pass); } .check-row.fail .mark, .check-row.error .mark { color: var(--fail); }
.checks a { color: inherit; }
.badge { font-size: 11px; color: var(--dim); border: 1px solid var(--line); border-radius: 6px; padding: 0 5px; }
.note { padding: 10px 12px; border-radius: 8px; background: var(--code); }
.note.stub { border-left: 4px solid var(--warn); } .note.load-error { border-left: 4px solid var(--fail); white-space: pre-wrap; }
.diagnostics { padding: 8px 12px; border-radius: 8px; background: var(--code); border-left: 4px solid var(--warn); margin: 10px 0; }
.diagnostics.syntax { border-left-color: var(--fail); } .diagnostics p { margin: 0; } .diagnostics ul { margin: 4px 0 0; padding-left: 18px; }
article.check { border-top: 1px solid var(--line); padding: 12px 0 4px; }
article.check h3 { margin: 0 0 6px; font-size: 16px; } article.check h3 .mark { color: var(--fail); }
article.check .points { color: var(--dim); font-weight: 400; font-size: 13px; }
.concept { margin: 4px 0; color: var(--accent); font-weight: 600; }
pre.message { white-space: pre-wrap; overflow-x: auto; background: var(--code); padding: 10px 12px; border-radius: 8px; margin: 6px 0; }
.hint { margin: 6px 0; } .exercise-hint .dim code { white-space: nowrap; } .exercise-hint { margin: 14px 0 0; padding: 8px 12px; border-radius: 8px; background: var(--code); }
.timelines { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 12px; margin: 8px 0; }
figure.timeline { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 8px; overflow-x: auto; }
figure.timeline.expected { border-style: dashed; }
figcaption { font-size: 12px; color: var(--dim); margin-bottom: 4px; }
.timeline-svg { display: block; width: 100%; max-width: 760px; height: auto; font-size: 11px; }
.timeline-svg .row-label, .timeline-svg .tick { fill: var(--dim); }
.timeline-svg .grid { stroke: var(--line); stroke-width: 1; }
.timeline-svg .bar-mark { fill: var(--fg); font-weight: 700; }
.bar-response { fill: var(--bar-ok); background: var(--bar-ok); } .bar-aborted { fill: var(--bar-abort); background: var(--bar-abort); }
.bar-network-error, .bar-unexpected { fill: var(--bar-error); background: var(--bar-error); }
.bar-pending { fill: var(--bar-pending); background: var(--bar-pending); } .bar-work { fill: var(--bar-work); }
.bar-wait { fill: var(--bar-wait); } .bar-instant { fill: var(--fg); } .bar-open { opacity: .75; }
.timeline-svg .in-flight { fill: none; stroke: var(--accent); stroke-width: 1.5; }
.timeline-svg .marker { stroke: var(--marker); stroke-width: 2; stroke-dasharray: 4 3; }
.timeline-svg .marker-note { fill: var(--marker); font-weight: 600; }
.passing-timeline { display: none; margin: 8px 0; }
body:has(#show-passing:checked) .passing-timeline { display: block; }
footer { color: var(--dim); font-size: 13px; margin-top: 24px; }
.legend { white-space: normal; }
.swatch { display: inline-block; width: 18px; height: 8px; border-radius: 2px; vertical-align: middle; }
.marker-swatch { height: 12px; width: 0; border-left: 2px dashed var(--marker); border-radius: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

/** Writes the HTML report to `file` (folders created as needed); returns its absolute path. */
export async function writeHtml(report: Report, file: string, cwd = process.cwd()): Promise<string> {
  const path = resolve(cwd, file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderHtml(report));
  return path;
}
