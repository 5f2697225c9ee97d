import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { watch } from 'chokidar';
import type { chalk as zxChalk } from 'zx';
import { type ExerciseSpec, manifest } from '../../manifest.ts';
import { gradeWithFeedback } from '../report/feedback.ts';
import { renderHtml } from '../report/html.ts';
import { type ExerciseReport, type Report, scoreReport } from '../report/report.ts';
import { renderReport } from '../report/terminal.ts';
import { createProgress } from './progress.ts';
import { Grader } from './run.ts';
import { TypeCheckThread } from './typecheck.ts';

export interface WatchOptions {
  /** Full exercise ids. @default every exercise */
  exercises?: readonly string[];
  /** Directory holding `<id>/index.ts`, absolute or relative to `root`. */
  target: string;
  /** One seed for the whole session, so a change in the score comes from the code. @default a random one */
  seed?: number;
  root: string;
  chalk: typeof zxChalk;
  /** @default process.stdout */
  output?: NodeJS.WriteStream;
  /** Also rewrite this HTML report (every watched exercise's latest result) after each grade. */
  html?: string;
  /** Resolves the returned promise when aborted. @default stop on Ctrl-C, `q`, SIGINT or SIGTERM */
  signal?: AbortSignal;
}

/** Code files whose saving re-grades their exercise. */
const CODE = /\.(ts|mts|cts|js|mjs|cjs|json)$/;
/** Editors write a file in several steps: wait this long for them to finish. */
const SETTLE_MS = 60;

/**
 * `npm run grade -- --watch [ids]`: grades once, then re-grades an exercise each time a file in its folder is saved.
 * One grader and one type-checker serve the whole session, so a re-grade costs the suite's own time, not a start-up.
 * On a terminal each result replaces the last one on a cleared screen; elsewhere results follow each other.
 */
export async function watchAndGrade(options: WatchOptions): Promise<void> {
  const { root, chalk } = options;
  const output = options.output ?? process.stdout;
  const live = Boolean(output.isTTY) && !process.env.CI;
  const ids = options.exercises ?? (manifest as readonly ExerciseSpec[]).map((exercise) => exercise.id);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const target = resolve(root, options.target);
  const folders = new Map(ids.map((id) => [id, resolve(target, id)]));
  const latest = new Map<string, ExerciseReport>();

  let progress = createProgress(process.stderr);
  const typeCheck = TypeCheckThread.start(root);
  const grader = await Grader.start({ root, onProgress: (event) => progress.update(event) });
  const stop = stopSignal(options.signal, live);

  let queued = new Set<string>();
  let reason = '';
  let running: Promise<void> | undefined;

  async function regrade(exercises: readonly string[], why: string): Promise<void> {
    const started = performance.now();
    progress = createProgress(process.stderr);
    const request = { exercises, target, seed };
    const report = await gradeWithFeedback(grader, request, { root, typeCheck });
    progress.done();
    const ms = Math.round(performance.now() - started);
    for (const exercise of report.exercises) latest.set(exercise.id, exercise);
    show(report, ms, why);
  }

  function show(report: Report, ms: number, why: string): void {
    const others = ids.filter((id) => !report.exercises.some((exercise) => exercise.id === id));
    const overall = scoreReport({
      seed,
      target: report.target,
      exercises: ids.flatMap((id) => latest.get(id) ?? []),
    });
    const lines = [renderReport(report, { chalk })];
    if (others.length > 0) {
      const summary = others
        .map((id) => latest.get(id))
        .filter((exercise) => exercise !== undefined)
        .map((exercise) => `${exercise.id.slice(0, 2)} ${exercise.score}/${exercise.max}`)
        .join(' · ');
      lines.push(chalk.dim(`Other exercises: ${summary} · all watched: ${overall.score}/${overall.max}`));
    }
    const names = report.exercises.map((exercise) => exercise.id).join(', ');
    lines.push(
      chalk.dim(`graded ${names} in ${ms} ms (${why}) · ${new Date().toLocaleTimeString()}`),
      chalk.dim(
        `Watching ${shown(root, target)}${sep}: save a file to re-grade its exercise` +
          `${live ? ' · Enter: re-grade all · q: quit' : ''}`,
      ),
    );
    if (options.html) lines.push(chalk.dim(`HTML report: ${writeHtmlSync(overall, resolve(options.html))}`));
    if (live) output.write('\u001b[2J\u001b[3J\u001b[H');
    else output.write(`\n${'─'.repeat(60)}\n`);
    output.write(`${lines.join('\n')}\n`);
  }

  /** Grades what was saved, one run at a time; saves during a run are graded right after it. */
  function schedule(exercises: Iterable<string>, why: string): void {
    for (const id of exercises) queued.add(id);
    reason = why;
    if (running) return;
    running = (async () => {
      while (queued.size > 0 && !stop.signal.aborted) {
        const batch = ids.filter((id) => queued.has(id));
        queued = new Set();
        try {
          await regrade(batch, reason);
        } catch (error) {
          output.write(
            chalk.red(`The grader itself failed (this is not about your code): ${String(error)}\n`),
          );
        }
      }
      running = undefined;
    })();
  }

  const watcher = watch([...folders.values()], {
    ignoreInitial: true,
    ignored: (path, stats) => Boolean(stats?.isFile() && !CODE.test(path)) || path.includes('node_modules'),
  });
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const onSaved = (path: string) => {
    const owner = [...folders].find(([, folder]) => path === folder || path.startsWith(folder + sep));
    if (!owner) return;
    pending.add(owner[0]);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const saved = pending;
      pending = new Set();
      schedule(saved, `saved ${[...saved].join(', ')}`);
    }, SETTLE_MS);
  };
  watcher.on('add', onSaved).on('change', onSaved).on('unlink', onSaved);
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));
  stop.onKey = (key) => {
    if (key === '\r' || key === '\n') schedule(ids, 'Enter');
  };

  try {
    schedule(ids, 'first run');
    await new Promise<void>((resolveStop) => {
      if (stop.signal.aborted) resolveStop();
      stop.signal.addEventListener('abort', () => resolveStop(), { once: true });
    });
  } finally {
    clearTimeout(timer);
    await watcher.close();
    await running;
    stop.dispose();
    await grader.close();
    await typeCheck.close();
  }
}

function writeHtmlSync(report: Report, file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderHtml(report));
  return file;
}

function shown(root: string, path: string): string {
  const inside = relative(root, path);
  return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}

/** Aborts on Ctrl-C, `q`, SIGINT or SIGTERM, or when `outer` aborts. */
function stopSignal(outer: AbortSignal | undefined, keys: boolean) {
  const controller = new AbortController();
  const abort = () => controller.abort();
  outer?.addEventListener('abort', abort, { once: true });
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  const state = {
    signal: controller.signal,
    onKey: undefined as ((key: string) => void) | undefined,
    dispose() {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
      outer?.removeEventListener('abort', abort);
      if (keys && process.stdin.isTTY) {
        process.stdin.setRawMode(false);
        process.stdin.pause();
        process.stdin.off('data', onData);
      }
    },
  };
  const onData = (data: Buffer) => {
    const key = data.toString();
    if (key === 'q' || key === '\u0003') abort();
    else state.onKey?.(key);
  };
  if (keys && process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on('data', onData);
  }
  return state;
}
