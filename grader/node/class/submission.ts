import type { Stats } from 'node:fs';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** How much of a submission is taken. Past a limit, the rest is ignored (and logged), never an error. */
export interface SubmissionLimits {
  /** Largest file taken, in bytes. @default 131_072 */
  maxFileBytes: number;
  /** Most files taken per student. @default 200 */
  maxFiles: number;
  /** Most bytes taken per student, all files together. @default 2_097_152 */
  maxTotalBytes: number;
  /** Deepest folder nesting under `exercises/`. @default 6 */
  maxDepth: number;
}

export const DEFAULT_SUBMISSION_LIMITS: SubmissionLimits = {
  maxFileBytes: 131_072,
  maxFiles: 200,
  maxTotalBytes: 2_097_152,
  maxDepth: 6,
};

/** A path under `exercises/` that was not taken, and why (one line of the log). */
export interface Ignored {
  /** Relative to the student's folder, `/` separators: `exercises/01-fetch-all/link.ts`. */
  file: string;
  reason: string;
}

export interface Taken {
  /** The files copied, relative to the student's folder (`exercises/…`), sorted. */
  kept: string[];
  ignored: Ignored[];
  /** False when there was no `exercises/` folder to take (absent, or not a real folder). */
  found: boolean;
}

/** A file or folder name a submission may use: no dot files, nothing a shell or a CSV would misread. */
const SAFE_NAME = /^[\w@+-][\w.@+-]*$/;

/**
 * Copies a student's `exercises/**` into `to/exercises/`, taking only regular `.ts` files within the limits. Symbolic
 * links (the `exercises` folder itself included), other file types, other extensions and oversize files are ignored,
 * each with a reason; nothing outside `from/exercises` is read, and no link is ever followed. Each file is opened
 * with `O_NOFOLLOW` and checked again on the open handle, so a file swapped for a link after the listing is not read.
 *
 * @example
 * const { kept, ignored } = takeExercises('class/ada', 'staging/ada');
 * for (const { file, reason } of ignored) console.log(`ignored ${file}: ${reason}`);
 */
export function takeExercises(from: string, to: string, limits: Partial<SubmissionLimits> = {}): Taken {
  const limit = { ...DEFAULT_SUBMISSION_LIMITS, ...limits };
  const taken: Taken = { kept: [], ignored: [], found: false };
  const root = join(from, 'exercises');
  let stat: Stats;
  try {
    stat = lstatSync(root);
  } catch {
    return taken;
  }
  if (!stat.isDirectory()) {
    taken.ignored.push({ file: 'exercises', reason: kindOf(stat) });
    return taken;
  }
  taken.found = true;
  let bytes = 0;
  const walk = (relative: string, depth: number) => {
    const entries = readdirSync(join(from, relative), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const file = `${relative}/${entry.name}`;
      const ignore = (reason: string) => taken.ignored.push({ file, reason });
      if (!SAFE_NAME.test(entry.name)) {
        ignore('a name with characters other than letters, digits and ._-@+ (or a dot file)');
      } else if (entry.isSymbolicLink()) {
        ignore('a symbolic link');
      } else if (entry.isDirectory()) {
        if (depth >= limit.maxDepth) ignore(`folders nested deeper than ${limit.maxDepth}`);
        else walk(file, depth + 1);
      } else if (!entry.isFile()) {
        ignore('not a regular file');
      } else if (!entry.name.endsWith('.ts')) {
        ignore('not a .ts file');
      } else {
        const text = readRegularFile(join(from, file), limit.maxFileBytes);
        if (typeof text === 'string') ignore(text);
        else if (taken.kept.length >= limit.maxFiles) ignore(`more than ${limit.maxFiles} files`);
        else if (bytes + text.length > limit.maxTotalBytes)
          ignore(`more than ${limit.maxTotalBytes} bytes in all`);
        else {
          bytes += text.length;
          mkdirSync(dirname(join(to, file)), { recursive: true });
          writeFileSync(join(to, file), text);
          taken.kept.push(file);
        }
      }
    }
  };
  walk('exercises', 1);
  taken.kept.sort();
  return taken;
}

/** The file's bytes, or why it was not read. */
function readRegularFile(path: string, maxBytes: number): Buffer | string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link' : 'could not be read';
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return 'not a regular file';
    if (stat.size > maxBytes) return `${stat.size} bytes, over the ${maxBytes}-byte limit`;
    const bytes = readFileSync(fd);
    return bytes.length > maxBytes ? `over the ${maxBytes}-byte limit` : bytes;
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link (the whole exercises folder)';
  return 'not a folder';
}

/** One log line per ignored path: `ignored exercises/01-fetch-all/link.ts: a symbolic link`. */
export function ignoredLines(ignored: readonly Ignored[], prefix = ''): string[] {
  return ignored.map(({ file, reason }) => `${prefix}ignored ${file}: ${reason}`);
}
