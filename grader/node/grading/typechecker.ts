import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import ts from 'typescript';
import type { Diagnostic } from '../report/report.ts';

/** Diagnostics shown per file at most; the rest are counted by the views. */
const MAX_PER_FILE = 20;

/**
 * Type-checks graded files one by one with the kit's `tsconfig.json`, the way the student's editor does, and
 * reports only problems located in those files. Parsed files (the standard library, `@types/node`) are kept
 * between calls, so checking again after a save takes tens of milliseconds; the first call takes about a second.
 *
 * @example
 * const checker = new TypeChecker(KIT_ROOT);
 * checker.check(['/kit/exercises/01-fetch-all/index.ts']); // → [{ file: 'exercises/01-fetch-all/index.ts', line: 3, ... }]
 */
export class TypeChecker {
  readonly #root: string;
  readonly #options: ts.CompilerOptions;
  /** For files outside the kit: no package.json says they are ES modules, but the grader loads them as such. */
  readonly #outsideOptions: ts.CompilerOptions;
  readonly #host: ts.CompilerHost;
  readonly #parsed = new Map<string, { text: string; source: ts.SourceFile | undefined }>();
  readonly #previous = new Map<'inside' | 'outside', ts.Program>();

  constructor(root: string) {
    this.#root = root;
    const configFile = resolve(root, 'tsconfig.json');
    const config = ts.readConfigFile(configFile, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config ?? {}, ts.sys, root, undefined, configFile);
    // Files outside the kit (any --target) still find the kit's type packages.
    this.#options = { ...parsed.options, noEmit: true, typeRoots: [resolve(root, 'node_modules/@types')] };
    this.#outsideOptions = {
      ...this.#options,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    };
    const host = ts.createCompilerHost(this.#options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, language, onError, shouldCreate) => {
      const text = ts.sys.readFile(fileName);
      if (text === undefined) return undefined;
      const cached = this.#parsed.get(fileName);
      if (cached?.text === text) return cached.source;
      const source = read(fileName, language, onError, shouldCreate);
      this.#parsed.set(fileName, { text, source });
      return source;
    };
    this.#host = host;
  }

  /** Problems in `files` (absolute paths); a file that does not exist has none (the grader says it is missing). */
  check(files: readonly string[]): Diagnostic[] {
    const existing = files.filter((file) => existsSync(file));
    const inside = existing.filter((file) => !isAbsolute(this.#shown(file)));
    const outside = existing.filter((file) => !inside.includes(file));
    const found = [...this.#checkGroup('inside', inside), ...this.#checkGroup('outside', outside)];
    return existing.flatMap((file) => found.filter((diagnostic) => diagnostic.file === this.#shown(file)));
  }

  #checkGroup(group: 'inside' | 'outside', roots: readonly string[]): Diagnostic[] {
    if (roots.length === 0) return [];
    const program = ts.createProgram({
      rootNames: roots,
      options: group === 'inside' ? this.#options : this.#outsideOptions,
      host: this.#host,
      oldProgram: this.#previous.get(group),
    });
    this.#previous.set(group, program);
    const found: Diagnostic[] = [];
    for (const file of roots) {
      const source = program.getSourceFile(file);
      if (!source) continue;
      const syntax = program.getSyntacticDiagnostics(source);
      // After the first syntax error the parser is guessing: the rest are mostly echoes of it.
      const problems =
        syntax.length > 0
          ? [this.#describe(syntax[0], 'syntax')]
          : program.getSemanticDiagnostics(source).map((diagnostic) => this.#describe(diagnostic, 'type'));
      found.push(...problems.slice(0, MAX_PER_FILE));
    }
    return found;
  }

  #describe(diagnostic: ts.Diagnostic, kind: Diagnostic['kind']): Diagnostic {
    const source = diagnostic.file;
    const { line, character } = source
      ? source.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
      : { line: 0, character: 0 };
    const message = ts
      .flattenDiagnosticMessageText(diagnostic.messageText, '\n')
      .split('\n')
      .map((part) => part.trim())
      .join(' ');
    return {
      file: source ? this.#shown(source.fileName) : '',
      line: line + 1,
      column: character + 1,
      message,
      code: `TS${diagnostic.code}`,
      kind,
    };
  }

  #shown(file: string): string {
    const inside = relative(this.#root, file);
    return inside.startsWith('..') || isAbsolute(inside) ? file : inside.replace(/\\/g, '/');
  }
}
