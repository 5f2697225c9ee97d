import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders that are never part of the kit's content, whether git is there to say so or not. */
const NEVER = new Set(['node_modules', '.git', 'reports', '.tmp', '.stryker-tmp']);

/**
 * The kit's files, relative to `root` with `/` separators, sorted: what git tracks plus what it would track
 * (untracked and not ignored), without files deleted from the working tree. Outside a git repository (an exported
 * template, an unpacked archive) every file under `root` except node_modules and build leftovers.
 */
export function kitFiles(root: string): string[] {
  let listed: string[];
  try {
    listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\0')
      .filter(Boolean);
    // A kit copied inside another repository must not list that repository's other files.
    const top = execFileSync('git', ['rev-parse', '--show-prefix'], { cwd: root, encoding: 'utf8' }).trim();
    if (top !== '') throw new Error('not the top of a repository');
  } catch {
    listed = walk(root, '');
  }
  return listed.filter((file) => !NEVER.has(file.split('/')[0]) && existsSync(join(root, file))).sort();
}

function walk(root: string, under: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, under), { withFileTypes: true })) {
    const path = under ? `${under}/${entry.name}` : entry.name;
    if (NEVER.has(entry.name)) continue;
    if (entry.isDirectory()) found.push(...walk(root, path));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

export interface CopyKitOptions {
  /** The kit to copy. @default the kit this module belongs to */
  from?: string;
  /** Keeps a file (relative path) when it returns true. @default every file */
  filter?: (file: string) => boolean;
  /** Links `node_modules` to the source kit's, so the copy runs without an install. @default true */
  linkNodeModules?: boolean;
}

/**
 * Copies the kit's files (see `kitFiles`) to `to`, linking node_modules instead of copying it: a scratch kit that
 * grades, verifies and exports like the real one. Used by the kit's own tests.
 *
 * @example
 * copyKit(join(tmpdir(), 'kit'), { filter: (file) => !file.startsWith('fixtures/styles/') });
 */
export function copyKit(to: string, options: CopyKitOptions = {}): string[] {
  const from = options.from ?? KIT_ROOT;
  const files = kitFiles(from).filter((file) => options.filter?.(file) ?? true);
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(from, file), join(to, file));
  }
  if (options.linkNodeModules ?? true) linkNodeModules(from, to);
  return files;
}

/** Makes `to/node_modules` a link to `from/node_modules` (a junction on Windows). */
export function linkNodeModules(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  symlinkSync(join(from, 'node_modules'), join(to, 'node_modules'), 'junction');
}

const KIT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
