import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Grader, isolationNotice, isolationOn } from '../node/grading/run.ts';

/**
 * The subject needs Linux (FIFOs, /proc for its watchdog). Elsewhere `npm run grade` runs student code in the check
 * worker, and says so in one line; the checks and their verdicts are the same.
 */
describe('where student code runs, by platform', () => {
  test('in a subject of its own on Linux; in the check worker on macOS and Windows, which the student is told', () => {
    expect(isolationOn('linux')).toBe('subject');
    expect(isolationOn('darwin')).toBe('worker');
    expect(isolationOn('win32')).toBe('worker');
    expect(isolationNotice('linux')).toBeUndefined();
    expect(isolationNotice('darwin')).toBe(
      "On macOS your code runs inside the grader's own workers (a process of its own needs Linux): the checks and " +
        'the points are the same, and the grade your course records is taken on Linux.',
    );
    expect(isolationNotice('win32')).toMatch(/^On Windows your code runs inside the grader's own workers/);
  });

  describe('graded as on macOS', () => {
    let grader: Grader;
    beforeAll(async () => {
      grader = await Grader.start({ platform: 'darwin' });
    });
    afterAll(async () => {
      await grader?.close();
    });

    test('a solution scores full marks and a mistake fails exactly its checks, with the code in the worker', async () => {
      expect(grader.isolation).toBe('worker');
      const report = await grader.grade({
        exercises: ['05-backoff-retry', '07-task-group'],
        target: 'solutions',
        files: { '05-backoff-retry': 'fixtures/mistakes/05-backoff-retry/no-cap.ts' },
        seed: 20261203,
      });
      const [retry, group] = report.exercises;
      expect(group.score).toBe(20);
      expect(retry.checks.filter((check) => check.status !== 'pass').map((check) => check.id)).toEqual([
        'waits-capped',
        'backoff-delay-formula',
      ]);
    });
  });
});
