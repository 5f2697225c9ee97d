import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { KIT_ROOT } from '../node/grading/run.ts';

/**
 * `npm run grade -- --watch`, for real: a child process watches a temp copy of an exercise folder, and the test
 * saves files into it. Off a terminal the watcher prints each result after a rule, which is what the test reads.
 */
const target = mkdtempSync(join(tmpdir(), 'awaitlings-watch-'));
const file = join(target, '01-fetch-all/index.ts');
const solution = readFileSync(join(KIT_ROOT, 'solutions/01-fetch-all/index.ts'), 'utf8');
const stub = readFileSync(join(KIT_ROOT, 'exercises/01-fetch-all/index.ts'), 'utf8');
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGTERM');
  rmSync(target, { recursive: true, force: true });
});

test('--watch re-grades an exercise each time its file is saved, type errors included', async () => {
  mkdirSync(join(target, '01-fetch-all'));
  writeFileSync(file, solution);
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/grade.ts', '--watch', '01', '--target', target, '--seed', '7'],
    { cwd: KIT_ROOT, env: { ...process.env, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    errors += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));

  /**
   * The n-th result the watcher printed (1-based), once it is there. The whole test took 43 s on 2 loaded cores,
   * the first result (vitest starting) most of it: each wait allows 4x that.
   */
  async function result(n: number): Promise<string> {
    await expect
      .poll(() => output.split(/^─+$/m).length - 1, { timeout: 180_000, interval: 50 })
      .toBeGreaterThanOrEqual(n);
    await expect
      .poll(() => (output.split(/^─+$/m)[n] ?? '').includes('Watching'), { timeout: 180_000 })
      .toBe(true);
    return output.split(/^─+$/m)[n];
  }

  const first = await result(1);
  expect(first).toContain('Score: 20/20');
  expect(first).toContain('(first run)');

  const saved = performance.now();
  writeFileSync(file, stub);
  const second = await result(2);
  const latency = Math.round(performance.now() - saved);
  expect(second).toContain('Score: 0/20');
  expect(second).toContain('Not started yet');
  expect(second).toContain('(saved 01-fetch-all)');

  writeFileSync(file, `${solution}\nexport const broken: number = 'not a number';\n`);
  const third = await result(3);
  const line = solution.split('\n').length + 1;
  expect(third).toMatch(new RegExp(`01-fetch-all/index\\.ts:${line}:14 {2}Type 'string' is not assignable`));
  expect(third).toContain('Score: 20/20');

  console.log(
    `watch: re-graded ${latency} ms after the save (grade time ${second.match(/in (\d+) ms/)?.[1]} ms)`,
  );
  child.kill('SIGTERM');
  // vitest's own SIGTERM handler exits with the conventional 128 + 15.
  expect([0, 143]).toContain(await exited);
  expect(errors).not.toContain('The grader itself failed');
});
