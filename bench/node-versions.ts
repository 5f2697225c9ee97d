/**
 * `npm run bench -- --node <binary> …`: the rows of the README's table per Node version. Under each Node binary
 * given: a cold grade of the solutions (its own process, as `npm run grade` is), a warm re-grade after a save, and
 * the peak memory of a full grading run. The grader's workers start with `process.execPath`, so they run on that
 * Node too.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KIT_ROOT } from '../grader/node/grading/run.ts';
import { UsageError } from '../scripts/cli.ts';
import { measure, type Stat, stat } from './measure.ts';

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

/**
 * Measures one row per binary, `runs` runs of each measurement. The versions take turns run by run, so a change in
 * the machine's load while the bench runs falls on every version alike.
 */
export async function benchNodes(
  binaries: readonly string[],
  runs: number,
  scratch: string,
): Promise<NodeRow[]> {
  const found = binaries.map((given) => {
    const binary = resolve(given);
    // Whatever the scripts start by name (`node`, npm's shims) is this Node too.
    const env = { ...process.env, PATH: `${dirname(binary)}:${process.env.PATH ?? ''}` };
    return {
      binary,
      node: nodeVersion(binary),
      env,
      cold: [] as number[],
      warm: [] as number[],
      peakRssMb: 0,
    };
  });
  mkdirSync(scratch, { recursive: true });
  const grade = [tsxCli, join(KIT_ROOT, 'scripts/grade.ts'), '--target', 'solutions', '--seed', '1'];
  for (let i = 0; i < runs; i++) {
    for (const version of found) {
      process.stderr.write(`\rgrade solutions (cold) ${i + 1}/${runs} on ${version.node}   `);
      version.cold.push((await measure(version.binary, grade, false, version.env)).wallMs);
    }
  }
  process.stderr.write('\n');
  for (const version of found) {
    process.stderr.write(`${version.node}: memory of a grading run, warm re-grades…\n`);
    version.peakRssMb = (await measure(version.binary, grade, true, version.env)).peakRssMb;
    const out = join(scratch, `warm-${version.node}.json`);
    const warm = [tsxCli, join(KIT_ROOT, 'bench/warm-regrade.ts'), '--runs', String(runs), '--out', out];
    await measure(version.binary, warm, false, version.env);
    version.warm = (JSON.parse(readFileSync(out, 'utf8')) as { warmMs: number[] }).warmMs;
  }
  return found.map((version) => ({
    node: version.node,
    binary: version.binary,
    coldGradeMs: stat(version.cold),
    warmRegradeMs: stat(version.warm),
    peakRssMb: version.peakRssMb,
  }));
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
