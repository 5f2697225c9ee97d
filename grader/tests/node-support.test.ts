import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { NODE_FLOOR, unsupportedNode } from '../../scripts/cli.ts';
import { KIT_ROOT } from '../node/grading/run.ts';

const run = promisify(execFile);

describe('unsupportedNode()', () => {
  test.each(['18.20.8', '20.18.3', '20.19.0', '20.20.2', '22.11.0', 'v16.20.2'])(
    'refuses Node %s in one line',
    (version) => {
      const message = unsupportedNode(version);
      expect(message).toContain(`needs Node ${NODE_FLOOR} or newer`);
      expect(message).toContain(`this is Node ${version.replace(/^v/, '')}`);
      expect(message).not.toContain('\n');
    },
  );

  test.each(['22.12.0', '22.23.5', '24.0.0', '24.22.3', '26.12.1', '27.0.0', 'v24.22.3'])(
    'accepts Node %s',
    (version) => {
      expect(unsupportedNode(version)).toBeUndefined();
    },
  );

  test('package.json `engines.node` states the same floor', () => {
    const pkg = JSON.parse(readFileSync(join(KIT_ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe(`>=${NODE_FLOOR}`);
  });

  test('a script on a Node below the floor prints one line and exits 1, before any work', async () => {
    // The Node that runs the tests is supported, so the child is told it is 20.20.2 before the script loads (.ci/run
    // also runs a script on a real Node 20).
    const fake = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } });`;
    const child = run(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(fake)}`,
        '--import',
        'tsx',
        'scripts/grade.ts',
        '--target',
        'solutions',
      ],
      { cwd: KIT_ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
    );
    const failure = await child.then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toBe(
      `awaitlings needs Node ${NODE_FLOOR} or newer, and this is Node 20.20.2: ` +
        'install Node 24 or 26 (https://nodejs.org), then run npm install again.\n',
    );
  });
});
