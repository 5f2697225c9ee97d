import { type ExerciseSpec, findExercise } from '../../manifest.ts';
import type { ProgressEvent } from './run.ts';

/** Where progress goes: a terminal gets one live line, anything else (CI logs, pipes) plain lines. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Redraw one line in place. @default output.isTTY && !process.env.CI */
  live?: boolean;
}

export interface ProgressView {
  update(event: ProgressEvent): void;
  /** Clears the live line; call before printing the report. */
  done(): void;
}

const MARK = { pending: '·', running: '▸', pass: '✓', fail: '✗' } as const;

/**
 * The progress of a grading run: which exercise, which check. On a terminal, one line redrawn in place,
 * one mark per check in manifest order (`01 ✓✓✗▸····  02 ✓▸·······  total-is-slowest`); elsewhere, a plain line
 * when an exercise starts and when it is done, so CI logs stay readable.
 *
 * @example
 * const progress = createProgress(process.stderr);
 * const report = await grade(request, { onProgress: progress.update });
 * progress.done();
 */
export function createProgress(output: ProgressOutput, options: ProgressOptions = {}): ProgressView {
  const live = options.live ?? (Boolean(output.isTTY) && !process.env.CI);
  const exercises = new Map<
    string,
    { spec: ExerciseSpec; marks: string[]; done: number; announced: boolean }
  >();
  let current = '';
  let drawn = false;

  function track(id: string) {
    let state = exercises.get(id);
    if (!state) {
      const spec = findExercise(id);
      state = { spec, marks: spec.checks.map(() => MARK.pending), done: 0, announced: false };
      exercises.set(id, state);
    }
    return state;
  }

  function draw() {
    const parts = [...exercises.values()].map(
      (state) => `${state.spec.id.slice(0, 2)} ${state.marks.join('')}`,
    );
    const line = `grading  ${parts.join('  ')}${current ? `  ${current}` : ''}`;
    const width = Math.max(20, (output.columns || 100) - 1);
    output.write(`\r\u001b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    drawn = true;
  }

  return {
    update(event: ProgressEvent) {
      let state: ReturnType<typeof track>;
      try {
        state = track(event.exercise);
      } catch {
        return; // a suite the manifest does not know: nothing to show
      }
      const index = 'check' in event ? state.spec.checks.findIndex((check) => check.id === event.check) : -1;
      if (event.type === 'exercise-start') {
        if (!live && !state.announced)
          output.write(`grading ${event.exercise} (${state.spec.checks.length} checks)…\n`);
        state.announced = true;
      } else if (event.type === 'check-start') {
        if (index >= 0) state.marks[index] = MARK.running;
        current = event.check;
      } else {
        if (index >= 0) state.marks[index] = event.passed ? MARK.pass : MARK.fail;
        state.done++;
        if (!live && state.done === state.spec.checks.length) {
          const passed = state.marks.filter((mark) => mark === MARK.pass).length;
          output.write(`graded ${event.exercise}: ${passed} of ${state.done} checks passed\n`);
        }
      }
      if (live) draw();
    },
    done() {
      if (live && drawn) output.write('\r\u001b[2K');
      drawn = false;
    },
  };
}
