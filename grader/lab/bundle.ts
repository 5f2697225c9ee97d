/**
 * Turns the student's TypeScript into one JavaScript file for the subject, on the checks' side: the subject never
 * reads the kit. Only the graded files, the kit's provided exercise helpers and npm packages may be bundled; an
 * import of anything else (the grader, solutions, fixtures, any other file on the disk, through a symlink or not)
 * is refused with a message for the student. Runs in the check workers.
 */
import { realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { type BuildFailure, build, type Plugin } from 'esbuild';

/** Packages that belong to the grader. */
const GRADER_PACKAGES = /^(vitest|@vitest\/|vite$|msw|@mswjs\/|fast-check|@fast-check\/)/;

/** The student's code could not be turned into JavaScript: every check reports this. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}

export interface BundleOptions {
  /** The graded file. */
  entry: string;
  /** Where the bundle goes. */
  outfile: string;
  /** Folders whose files may be bundled (besides node_modules). */
  allowed: readonly string[];
  /** Shows a path the way the student reads it. */
  display: (file: string) => string;
}

/** Bundles `entry` with what it imports into `outfile` (ESM, inline source map). */
export async function bundleSubmission(options: BundleOptions): Promise<void> {
  try {
    await build({
      entryPoints: [options.entry],
      outfile: options.outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'inline',
      logLevel: 'silent',
      write: true,
      // Bundled CommonJS packages call require() and read __filename and __dirname: give them these.
      banner: {
        js: [
          "import { createRequire as __awaitlingsRequire } from 'node:module';",
          "import { fileURLToPath as __awaitlingsPath } from 'node:url';",
          'const require = __awaitlingsRequire(import.meta.url);',
          'const __filename = __awaitlingsPath(import.meta.url);',
          "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
        ].join(' '),
      },
      plugins: [confine(options)],
    });
  } catch (error) {
    throw new BundleError(describe(error as BuildFailure, options.display));
  }
}

/** Refuses imports outside the allowed folders and node_modules, after symlinks are resolved. */
function confine(options: BundleOptions): Plugin {
  const allowed = options.allowed.map((folder) => withSep(real(folder)));
  return {
    name: 'awaitlings:confine',
    setup(builder) {
      builder.onResolve({ filter: GRADER_PACKAGES }, (args) => ({
        errors: [
          {
            text: `\`${args.path}\` belongs to the grader. Exercises may not import vitest, msw or fast-check: the grader owns the clock, the network and the checks. Remove that import.`,
          },
        ],
      }));
      builder.onLoad({ filter: /.*/ }, (args) => {
        const file = real(args.path);
        const inPackages = file.split(sep).includes('node_modules');
        if (inPackages || allowed.some((folder) => file.startsWith(folder))) return undefined;
        return {
          errors: [
            {
              text: `${options.display(args.path)} is outside your exercise, so your code may not import it. Import only your own files, the exercise's helpers and npm packages.`,
            },
          ],
        };
      });
    },
  };
}

function describe(failure: BuildFailure, display: (file: string) => string): string {
  const first = failure.errors?.[0];
  if (!first) return `Your code could not be turned into JavaScript: ${failure.message}`;
  const where = first.location
    ? `${display(resolve(first.location.file))}:${first.location.line}:${first.location.column + 1}: `
    : '';
  return `${where}${first.text}`;
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function withSep(folder: string): string {
  return folder.endsWith(sep) ? folder : `${folder}${sep}`;
}
