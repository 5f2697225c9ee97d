import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COLLECTED_SCHEMA, collectClass, readRoster, studentOf } from '../node/class/collect.ts';

const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-collect-'));
const server = join(scratch, 'server');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  expect(result.status, `git ${args.join(' ')}: ${result.stderr}`).toBe(0);
}

/** A bare repository `server/org/<name>.git` holding `files` (a string is a file, `{ link }` a symbolic link). */
function repository(name: string, files: Record<string, string | { link: string }>): void {
  const work = join(scratch, 'work', name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(work, file, '..'), { recursive: true });
    if (typeof content === 'string') writeFileSync(join(work, file), content);
    else symlinkSync(content.link, join(work, file));
  }
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'add', '-A');
  git(work, '-c', 'user.name=s', '-c', 'user.email=s@example.com', 'commit', '--quiet', '-m', 'work');
  git(scratch, 'clone', '--quiet', '--bare', work, join(server, 'org', `${name}.git`));
}

describe('collectClass() - a class from git, reading no link and running nothing', () => {
  beforeAll(() => {
    repository('lab-ada', {
      'exercises/01-fetch-all/index.ts': 'export const ada = 1;\n',
      'exercises/01-fetch-all/README.md': '# notes\n',
      'exercises/01-fetch-all/answer.ts': { link: '../../../../kit/solutions/01-fetch-all/index.ts' },
      'exercises/02-rate-limited-client/index.ts': `// ${'x'.repeat(140_000)}\n`,
      'package.json': '{ "scripts": { "postinstall": "echo pwned" } }\n',
    });
    repository('lab-bob', { exercises: { link: '../kit/solutions' } });
  });

  test('takes only regular exercises/**/*.ts files within the size limit, and says why it left the rest', async () => {
    const to = join(scratch, 'class');
    const lines: string[] = [];
    const collected = await collectClass({
      org: 'org',
      prefix: 'lab',
      roster: ['lab-ada', 'org/lab-bob', 'lab-gone'],
      to,
      serverUrl: `file://${server}`,
      onLine: (line) => lines.push(line),
    });
    expect(collected.map(({ student, kept, error }) => ({ student, kept, error }))).toEqual([
      { student: 'ada', kept: ['exercises/01-fetch-all/index.ts'], error: undefined },
      { student: 'bob', kept: [], error: undefined },
      { student: 'gone', kept: [], error: expect.stringMatching(/clone/) },
    ]);
    expect(collected[0].ignored).toEqual([
      { file: 'exercises/01-fetch-all/README.md', reason: 'not a .ts file' },
      { file: 'exercises/01-fetch-all/answer.ts', reason: 'a symbolic link' },
      {
        file: 'exercises/02-rate-limited-client/index.ts',
        reason: '140004 bytes, over the 131072-byte limit',
      },
    ]);
    expect(collected[1].ignored).toEqual([{ file: 'exercises', reason: 'a symbolic link' }]);
    expect(collected[0].commit).toMatch(/^[0-9a-f]{40}$/);
    // Every student has a folder (the gradebook lists them), holding nothing but what was kept.
    expect(readdirSync(to).sort()).toEqual(['ada', 'bob', 'collected.json', 'gone']);
    expect(readdirSync(join(to, 'ada'))).toEqual(['exercises']);
    expect(readFileSync(join(to, 'ada/exercises/01-fetch-all/index.ts'), 'utf8')).toBe(
      'export const ada = 1;\n',
    );
    expect(existsSync(join(to, 'bob/exercises'))).toBe(false);
    expect(JSON.parse(readFileSync(join(to, 'collected.json'), 'utf8')).schema).toBe(COLLECTED_SCHEMA);
    expect(lines).toContain('ada: ignored exercises/01-fetch-all/answer.ts: a symbolic link');
  });

  test('a roster file and student names from repository names', () => {
    const file = join(scratch, 'roster.txt');
    writeFileSync(file, '# assignment 1\nlab-ada\n\n  org/lab-bob  # late\n');
    expect(readRoster(file)).toEqual(['lab-ada', 'org/lab-bob']);
    expect(studentOf('async-lab-ada', 'async-lab')).toBe('ada');
    expect(studentOf('async-lab-ada', 'async-lab-')).toBe('ada');
    expect(studentOf('other-ada', 'async-lab')).toBe('other-ada');
  });

  test('refuses to list a whole organisation without a prefix or a roster', async () => {
    await expect(collectClass({ org: 'org', to: join(scratch, 'none') })).rejects.toThrow(
      /Expected `prefix` or `roster`/,
    );
  });
});
