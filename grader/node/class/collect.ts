import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DEFAULT_SUBMISSION_LIMITS,
  type Ignored,
  type SubmissionLimits,
  takeExercises,
} from './submission.ts';

const run = promisify(execFile);

/** The version of `collected.json`; bump it when a field changes meaning. */
export const COLLECTED_SCHEMA = 'awaitlings.collected/1';

export interface CollectOptions {
  /** The organisation (or user) that owns the students' repositories. */
  org: string;
  /** Repositories whose name starts with this (GitHub Classroom names them `<assignment>-<username>`). */
  prefix?: string;
  /** Repositories to take instead of listing the organisation: `name` (in `org`) or `owner/name`. */
  roster?: readonly string[];
  /** The class folder written: `<to>/<student>/exercises/…` and `<to>/collected.json`. */
  to: string;
  /** A token that can read the repositories (read-only is enough); given to git and the API, never on a command line. */
  token?: string;
  /** @default 'https://github.com' (`GITHUB_SERVER_URL` in Actions) */
  serverUrl?: string;
  /** @default 'https://api.github.com' (`GITHUB_API_URL` in Actions) */
  apiUrl?: string;
  limits?: Partial<SubmissionLimits>;
  /** Repositories cloned at once. @default 8 */
  concurrency?: number;
  onLine?: (line: string) => void;
}

export interface CollectedStudent {
  student: string;
  repository: string;
  /** The commit taken (the default branch's head). */
  commit?: string;
  kept: string[];
  ignored: Ignored[];
  /** Why nothing could be taken (the clone failed, an empty repository). */
  error?: string;
}

/**
 * Collects a class for grading without running any of its code: clones each student's repository (bare, depth 1),
 * reads its tree with `git ls-tree` and writes out only regular files under `exercises/` (no symbolic link, no
 * submodule, nothing over the size limit is even read), then applies `takeExercises`' rules. A repository that cannot
 * be cloned still gets its (empty) folder, so the gradebook lists the student as `missing`.
 *
 * @example
 * await collectClass({ org: 'my-class', prefix: 'async-lab-', to: 'class', token: process.env.AWAITLINGS_CLASS_TOKEN });
 */
export async function collectClass(options: CollectOptions): Promise<CollectedStudent[]> {
  const serverUrl = (options.serverUrl ?? 'https://github.com').replace(/\/$/, '');
  const repositories = options.roster
    ? options.roster.map((entry) => (entry.includes('/') ? entry : `${options.org}/${entry}`))
    : await listRepositories(options);
  for (const repository of repositories) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(repository))
      throw new TypeError(`Expected a repository as owner/name, got \`${repository}\``);
  }
  const students = new Map<string, string>();
  for (const repository of repositories) {
    const student = studentOf(repository.split('/')[1], options.prefix);
    const other = students.get(student);
    if (other) throw new Error(`${repository} and ${other} would both be student ${student}`);
    students.set(student, repository);
  }
  mkdirSync(options.to, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-collect-'));
  const env = gitEnv(serverUrl, options.token);
  const queue = [...students].sort(([a], [b]) => a.localeCompare(b));
  const collected: CollectedStudent[] = [];
  try {
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [student, repository] = next;
          const result = await collectOne(
            student,
            repository,
            `${serverUrl}/${repository}.git`,
            scratch,
            env,
            options,
          );
          collected.push(result);
          const summary = result.error
            ? `not collected: ${result.error}`
            : `${result.commit?.slice(0, 12)}, ${result.kept.length} files`;
          options.onLine?.(`${student} (${repository}): ${summary}`);
          for (const { file, reason } of result.ignored)
            options.onLine?.(`${student}: ignored ${file}: ${reason}`);
        }
      }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  collected.sort((a, b) => a.student.localeCompare(b.student));
  writeFileSync(
    join(options.to, 'collected.json'),
    `${JSON.stringify({ schema: COLLECTED_SCHEMA, students: collected }, null, 2)}\n`,
  );
  return collected;
}

/** A roster file: one repository per line (`name` or `owner/name`); blank lines and `#` comments are skipped. */
export function readRoster(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** `async-lab-ada` with prefix `async-lab` or `async-lab-` is student `ada`. */
export function studentOf(name: string, prefix = ''): string {
  const rest = prefix && name.startsWith(prefix) ? name.slice(prefix.length).replace(/^[-_.]+/, '') : name;
  return rest || name;
}

async function listRepositories(options: CollectOptions): Promise<string[]> {
  if (options.prefix === undefined || options.prefix === '') {
    throw new TypeError(
      'Expected `prefix` or `roster`: without either, every repository of the organisation would be taken',
    );
  }
  const apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const found: string[] = [];
  for (let page = 1; ; page++) {
    const response = await fetch(
      `${apiUrl}/orgs/${encodeURIComponent(options.org)}/repos?per_page=100&page=${page}`,
      {
        headers: {
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          ...(options.token && { authorization: `Bearer ${options.token}` }),
        },
      },
    );
    if (!response.ok) throw new Error(`Listing the repositories of ${options.org}: HTTP ${response.status}`);
    const repositories = (await response.json()) as Array<{ name: string; full_name: string }>;
    for (const repository of repositories) {
      if (repository.name.startsWith(options.prefix)) found.push(repository.full_name);
    }
    if (repositories.length < 100) return found.sort();
  }
}

/** Git's environment: no prompt, and the token as an HTTP header for the server only (as actions/checkout does). */
function gitEnv(serverUrl: string, token: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' };
  if (token) {
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `http.${serverUrl}/.extraheader`,
      GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
    });
  }
  return env;
}

async function collectOne(
  student: string,
  repository: string,
  url: string,
  scratch: string,
  env: NodeJS.ProcessEnv,
  options: CollectOptions,
): Promise<CollectedStudent> {
  const limits = { ...DEFAULT_SUBMISSION_LIMITS, ...options.limits };
  const folder = join(options.to, student);
  mkdirSync(folder, { recursive: true });
  const bare = join(scratch, `${student}.git`);
  const raw = join(scratch, student);
  const git = (args: string[], encoding: 'utf8' | 'buffer' = 'utf8') =>
    run('git', args, { env, encoding, maxBuffer: 64 * 1024 * 1024 } as const);
  const result: CollectedStudent = { student, repository, kept: [], ignored: [] };
  try {
    await git(['clone', '--quiet', '--bare', '--depth', '1', '--', url, bare]);
    result.commit = String((await git(['-C', bare, 'rev-parse', 'HEAD'])).stdout).trim();
    const listing = String(
      (await git(['-C', bare, 'ls-tree', '-r', '-l', '-z', 'HEAD', '--', 'exercises'])).stdout,
    );
    for (const line of listing.split('\0').filter(Boolean)) {
      const [meta, path] = line.split('\t');
      const [mode, type, object, size] = meta.split(/ +/);
      if (mode === '120000') result.ignored.push({ file: path, reason: 'a symbolic link' });
      else if (type !== 'blob') result.ignored.push({ file: path, reason: 'a submodule' });
      else if (Number(size) > limits.maxFileBytes) {
        result.ignored.push({
          file: path,
          reason: `${size} bytes, over the ${limits.maxFileBytes}-byte limit`,
        });
      } else if (!path.split('/').every((part) => /^[\w@+-][\w.@+-]*$/.test(part))) {
        result.ignored.push({
          file: path,
          reason: 'a name with characters other than letters, digits and ._-@+ (or a dot file)',
        });
      } else {
        const blob = (await git(['-C', bare, 'cat-file', 'blob', object], 'buffer'))
          .stdout as unknown as Buffer;
        mkdirSync(join(raw, path, '..'), { recursive: true });
        writeFileSync(join(raw, path), blob);
      }
    }
    const taken = takeExercises(raw, folder, limits);
    result.kept = taken.kept;
    result.ignored.push(...taken.ignored);
    result.ignored.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  } catch (error) {
    result.error = (error as Error).message.split('\n')[0].replaceAll(options.token || '\0', '***');
  } finally {
    rmSync(bare, { recursive: true, force: true });
    rmSync(raw, { recursive: true, force: true });
  }
  return result;
}
