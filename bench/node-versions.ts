/**
 * `npm run bench -- --node <binary> …`: the rows of the README's table per Node version. Under each Node binary
 * given: a cold grade of the solutions (its own process, as `npm run grade` is), a warm re-grade after a save, and
 * the peak memory of a full grading run. The grader's workers start with `process.execPath`, so they run on that
 * Node too.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KIT_ROOT } from '../grader/node/run.ts';
import { UsageError } from '../scripts/cli.ts';
import { measure, repeat, type Stat, stat } from './measure.ts';

export interface NodeRow {
  /** `process.version` of the binary, e.g. `v24.22.3`. */
  node: string;
  binary: string;
  coldGradeMs: Stat;
  warmRegradeMs: Stat;
  peakRssMb: number;
}

const tsxCli = join(KIT_ROOT, 'node_modules/tsx/dist/cli.mjs');

/** The version of the Node binary `binary`, or a UsageError naming `--node`. */
export function nodeVersion(binary: string): string {
  try {
    accessSync(binary, constants.X_OK);
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new UsageError(`Expected \`--node\` to be a Node binary, got ${binary}.`);
  }
}

/** Measures one row per binary, one binary after another (`runs` runs of each measurement). */
export async function benchNodes(
  binaries: readonly string[],
  runs: number,
  scratch: string,
): Promise<NodeRow[]> {
  const found = binaries.map((binary) => ({ binary: resolve(binary), node: nodeVersion(resolve(binary)) }));
  mkdirSync(scratch, { recursive: true });
  const rows: NodeRow[] = [];
  for (const { binary, node } of found) {
    // Whatever the scripts start by name (`node`, npm's shims) is this Node too.
    const env = { ...process.env, PATH: `${dirname(binary)}:${process.env.PATH ?? ''}` };
    const cold = await repeat(
      `${node}: grade solutions (cold)`,
      runs,
      binary,
      [tsxCli, join(KIT_ROOT, 'scripts/grade.ts'), '--target', 'solutions', '--seed', '1'],
      env,
    );
    process.stderr.write(`${node}: warm re-grades…\n`);
    const out = join(scratch, `warm-${node}.json`);
    await measure(
      binary,
      [tsxCli, join(KIT_ROOT, 'bench/warm-regrade.ts'), '--runs', String(runs), '--out', out],
      false,
      env,
    );
    const warm = JSON.parse(readFileSync(out, 'utf8')) as { warmMs: number[] };
    rows.push({
      node,
      binary,
      coldGradeMs: cold.wall,
      warmRegradeMs: stat(warm.warmMs),
      peakRssMb: cold.peakRssMb,
    });
  }
  return rows;
}

/** The rows as a Markdown table, the README's. */
export function renderNodeTable(rows: readonly NodeRow[], runs: number): string {
  const spread = (s: Stat) => `${s.min}–${s.max}`;
  return [
    `Medians of ${runs} runs.`,
    '',
    '| Node | cold grade, solutions (ms) | spread ms | warm re-grade (ms) | spread ms | peak memory (process tree) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.node} | ${row.coldGradeMs.median} | ${spread(row.coldGradeMs)} | ${row.warmRegradeMs.median} | ${spread(row.warmRegradeMs)} | ${row.peakRssMb} MB |`,
    ),
  ].join('\n');
}
