import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { exerciseOfSuiteFile } from '../grading/suite-files.ts';

/** One lint or type problem, located in a kit file (relative, `/` separators). */
export interface StaticProblem {
  file: string;
  line: number;
  column: number;
  /** `lint/style/useConst`, `format`, `TS2322`... */
  rule: string;
  message: string;
}

/**
 * The exercise a kit file belongs to (`exercises/<id>/…`, `solutions/<id>/…`, `fixtures/mistakes/<id>/…`,
 * `fixtures/styles/<id>/…`, `grader/suites/<id>.test.ts` or `.hidden.ts`), or undefined for the kit's own files.
 */
export function exerciseOfKitFile(file: string): string | undefined {
  const parts = file.split('/');
  if ((parts[0] === 'exercises' || parts[0] === 'solutions') && parts.length > 2) return parts[1];
  if (parts[0] === 'fixtures' && (parts[1] === 'mistakes' || parts[1] === 'styles') && parts.length > 3)
    return parts[2];
  if (parts[0] === 'grader' && parts[1] === 'suites' && parts.length === 3) return exerciseOfSuiteFile(file);
  return undefined;
}

/**
 * What `npm run lint` (`biome check .`) reports as errors, read from biome's JSON reporter. Formatting counts: a
 * file biome would reformat is one problem (`npm run format` fixes it).
 */
export function lintKit(root: string): StaticProblem[] {
  const biome = join(root, 'node_modules/.bin/biome');
  if (!existsSync(biome)) throw new Error(`${biome} is missing: run npm install first`);
  const result = spawnSync(biome, ['check', '--reporter=json', '--max-diagnostics=none', '.'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  let parsed: BiomeReport;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new Error(`biome check gave no report (exit ${result.status}): ${result.stderr.trim()}`);
  }
  return parsed.diagnostics
    .filter((diagnostic) => diagnostic.severity === 'error' || diagnostic.severity === 'fatal')
    .map((diagnostic) => ({
      file: diagnostic.location?.path?.split(sep).join('/') ?? '.',
      line: diagnostic.location?.start?.line ?? 0,
      column: diagnostic.location?.start?.column ?? 0,
      rule: diagnostic.category,
      message:
        diagnostic.category === 'format'
          ? 'is not formatted the way biome formats it'
          : diagnostic.message.trim(),
    }));
}

/** The parts of biome's JSON report this module reads. */
interface BiomeReport {
  diagnostics: Array<{
    severity: string;
    message: string;
    category: string;
    location?: { path?: string; start?: { line: number; column: number } };
  }>;
}

/**
 * What `npm run typecheck` (`tsc --noEmit`) reports, over the files the kit's `tsconfig.json` includes. Takes
 * 10-20 s on the whole kit: verify runs it once, after grading, so it does not slow what verify times.
 */
export function typeCheckKit(root: string): StaticProblem[] {
  const configFile = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configFile, ts.sys.readFile);
  if (config.error) return [fromDiagnostic(root, config.error)];
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configFile);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return [...parsed.errors, ...ts.getPreEmitDiagnostics(program)].map((diagnostic) =>
    fromDiagnostic(root, diagnostic),
  );
}

function fromDiagnostic(root: string, diagnostic: ts.Diagnostic): StaticProblem {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0];
  const rule = `TS${diagnostic.code}`;
  if (!diagnostic.file || diagnostic.start === undefined)
    return { file: '.', line: 0, column: 0, rule, message };
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const file = relative(root, diagnostic.file.fileName).split(sep).join('/');
  return { file, line: line + 1, column: character + 1, rule, message };
}
