import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { allowedCpus, leastClaimed } from '../lab/cpu-pin.ts';

describe('allowedCpus', () => {
  test('reads ranges and single CPUs from Cpus_allowed_list', () => {
    expect(allowedCpus('Name:\tnode\nCpus_allowed_list:\t0-3,8\n')).toEqual([0, 1, 2, 3, 8]);
    expect(allowedCpus('Cpus_allowed_list:\t5\n')).toEqual([5]);
  });

  test('gives none for a list it cannot read, so nothing is pinned', () => {
    expect(allowedCpus('Cpus_allowed_list:\t3-1\n')).toEqual([]);
    expect(allowedCpus('Cpus_allowed:\tff\n')).toEqual([]);
  });
});

describe('leastClaimed', () => {
  test('takes the CPU with the fewest claims', () => {
    expect(
      leastClaimed(
        [0, 1, 2],
        new Map([
          [0, 2],
          [1, 1],
        ]),
        0,
      ),
    ).toBe(2);
  });

  test('breaks ties from the preferred CPU on, counting round', () => {
    expect(leastClaimed([0, 1], new Map(), 0)).toBe(0);
    expect(leastClaimed([0, 1], new Map(), 1)).toBe(1);
    expect(leastClaimed([4, 6], new Map(), 3)).toBe(6);
    expect(
      leastClaimed(
        [0, 1, 2],
        new Map([
          [1, 1],
          [2, 1],
        ]),
        1,
      ),
    ).toBe(0);
  });
});

/** A Node that pins itself as a check worker does, says where it runs, and stays until its stdin closes. */
function pinnedProcess(tmp: string, base: number): { child: ChildProcess; cpus: Promise<string> } {
  const module = JSON.stringify(new URL('../lab/cpu-pin.ts', import.meta.url).href);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { pinToOneCpu } = await import(${module});
       pinToOneCpu();
       const { readFileSync } = await import('node:fs');
       console.log(/Cpus_allowed_list:\\s*(\\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
       process.stdin.resume();
       process.stdin.on('end', () => process.exit(0));`,
    ],
    {
      env: { ...process.env, TMPDIR: tmp, AWAITLINGS_CPU_BASE: String(base) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const cpus = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('error', reject);
  });
  return { child, cpus };
}

const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

describe.runIf(process.platform === 'linux' && allowedCpus().length >= 2)('pinToOneCpu', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'awaitlings-cpu-pin-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('two workers that prefer the same CPU take different ones, and their claims go when they exit', async () => {
    const first = pinnedProcess(tmp, 0);
    const firstCpu = await first.cpus;
    const second = pinnedProcess(tmp, 0);
    const secondCpu = await second.cpus;
    expect(allowedCpus().map(String)).toContain(firstCpu);
    expect(allowedCpus().map(String)).toContain(secondCpu);
    expect(secondCpu).not.toBe(firstCpu);
    expect(readdirSync(join(tmp, 'awaitlings-cpus')).sort()).toEqual(
      [`${firstCpu}.${first.child.pid}`, `${secondCpu}.${second.child.pid}`].sort(),
    );
    first.child.stdin?.end();
    second.child.stdin?.end();
    await Promise.all([exited(first.child), exited(second.child)]);
    expect(readdirSync(join(tmp, 'awaitlings-cpus'))).toEqual([]);
  });
});
