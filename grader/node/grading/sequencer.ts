import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Orders suite files longest first, so the workers (each runs suite files one after another) finish close together:
 * by how long each file took last time (vitest's results cache), else by the size of its checks. vitest's own order
 * puts last run's failures first, which says nothing about how long a student's exercise takes to grade.
 */
export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = new Map(files.map((file) => [file, this.#cost(file)]));
    return [...files].sort((a, b) => {
      const [costA, costB] = [cost.get(a), cost.get(b)] as [Cost, Cost];
      if (costA.ms !== undefined && costB.ms !== undefined) return costB.ms - costA.ms;
      return costB.bytes - costA.bytes;
    });
  }

  #cost(file: TestSpecification): Cost {
    return {
      ms: this.ctx.cache.getTestSpecificationResult(file)?.duration,
      bytes: checksSize(file.moduleId),
    };
  }
}

interface Cost {
  ms: number | undefined;
  bytes: number;
}

/** `grader/suites/<id>.test.ts`, `<id>.hidden.ts` and the `<id>/` folder beside them, in bytes. */
function checksSize(suiteFile: string): number {
  const base = suiteFile.replace(/\.test\.ts$/, '');
  const folder = existsSync(base) ? readdirSync(base).map((name) => join(base, name)) : [];
  return [suiteFile, `${base}.hidden.ts`, ...folder]
    .map((path) => statSync(path, { throwIfNoEntry: false }))
    .reduce((sum, stats) => sum + (stats?.isFile() ? stats.size : 0), 0);
}
