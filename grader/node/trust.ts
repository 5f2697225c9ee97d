/**
 * Who may import what while grading.
 *
 * Instructor code (the grader, the reference solutions, the kit's fixtures except `fixtures/hostile/`, installed
 * packages) may import anything. Submission code (everything else: `exercises/`, any graded target, the hostile
 * fixtures) may import its own files and ordinary packages, but not the grader's packages (vitest, msw, fast-check)
 * and not the grader's or the instructors' files: a submission that reached them could rewrite its own grade or copy
 * the reference answer at run time.
 *
 * grader/vitest.config.ts applies these rules when vite resolves an import (a clear message, file and line);
 * `guardModuleFetches` applies them again to every module a worker fetches at run time, which also catches imports
 * built from strings and absolute paths.
 */
import { isAbsolute, relative } from 'node:path';
import type { Vitest } from 'vitest/node';

/** Packages that belong to the grader. */
export const GRADER_PACKAGES = /^(vitest|@vitest\/|vite$|msw|@mswjs\/|fast-check|@fast-check\/)/;

/** The same packages, seen as installed files. */
const GRADER_PACKAGE_FILES =
  /[\\/]node_modules[\\/](vitest|@vitest|vite|msw|@mswjs|fast-check|@fast-check)[\\/]/;

/** `file` relative to the kit with forward slashes, or undefined when it lies outside the kit. */
function insideKit(root: string, file: string): string | undefined {
  const path = relative(root, cleanId(file)).replace(/\\/g, '/');
  return path.startsWith('..') || isAbsolute(path) ? undefined : path;
}

/** Strips what vite and vitest add around a file path: `file://`, `/@fs`, a query. */
function cleanId(id: string): string {
  return id
    .replace(/^file:\/\//, '')
    .replace(/^\/@fs(?=\/)/, '')
    .replace(/[?#].*$/, '');
}

/** Code the instructor wrote or installed: it may import anything. */
export function isInstructorCode(root: string, file: string): boolean {
  if (/[\\/]node_modules[\\/]/.test(file)) return true;
  const path = insideKit(root, file);
  return path !== undefined && isInstructorPath(path);
}

/**
 * Files a submission may not import: the grader's, and (unless `references` are allowed) the reference solutions and
 * the instructors' fixtures.
 */
export function isGraderOnly(root: string, file: string, references: 'block' | 'allow' = 'block'): boolean {
  const path = insideKit(root, file);
  if (path === undefined) return false;
  return references === 'allow' ? path.startsWith('grader/') : isInstructorPath(path);
}

function isInstructorPath(path: string): boolean {
  return (
    path.startsWith('grader/') ||
    path.startsWith('solutions/') ||
    (path.startsWith('fixtures/') && !path.startsWith('fixtures/hostile/'))
  );
}

/** The error a submission gets for importing `what` (a package name or a file). */
export function blockedImport(root: string, importer: string, what: string): Error {
  const shown = (file: string) => insideKit(root, file) ?? cleanId(file);
  const error = new Error(
    `${shown(importer)} imports \`${GRADER_PACKAGES.test(what) ? what : shown(what)}\`, which belongs to the ` +
      'grader. Exercises may not import vitest, msw or fast-check, nor the grader, the reference solutions or the ' +
      "kit's fixtures: the grader owns the clock, the network and the checks. Remove that import.",
  );
  error.name = 'BlockedImportError';
  return error;
}

type ModuleFetcher = (url: string, importer: string | undefined, ...rest: unknown[]) => Promise<unknown>;

/**
 * Refuses any module a worker fetches for submission code when it is the grader's (static imports, and imports whose
 * path is computed or absolute, which vite's resolve hook never sees). vitest exposes no hook for this, so it wraps the
 * project's module fetcher (vitest 4.1 internals, pinned in package.json); without it, the resolve hook still holds.
 */
export function guardModuleFetches(vitest: Vitest, root: string, references: 'block' | 'allow'): boolean {
  let guarded = true;
  for (const project of vitest.projects) {
    const holder = project as unknown as { _fetcher?: ModuleFetcher };
    const fetcher = holder._fetcher;
    if (typeof fetcher !== 'function') {
      guarded = false;
      continue;
    }
    holder._fetcher = async (url, importer, ...rest) => {
      const result = (await fetcher(url, importer, ...rest)) as { file?: unknown; externalize?: unknown };
      if (!importer || isInstructorCode(root, importer)) return result;
      const target = typeof result?.file === 'string' ? result.file : undefined;
      const external = typeof result?.externalize === 'string' ? result.externalize : undefined;
      if (target && isGraderOnly(root, target, references)) throw blockedImport(root, importer, target);
      if (external && GRADER_PACKAGE_FILES.test(external)) throw blockedImport(root, importer, external);
      return result;
    };
  }
  return guarded;
}
