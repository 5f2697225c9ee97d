import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FORMATS, type FormatName } from './formats/index.ts';
import type { Report } from './report.ts';

/** Writes the report in each requested format; returns the absolute paths written. */
export async function writeFormats(
  report: Report,
  requests: ReadonlyArray<{ format: FormatName; file: string }>,
  cwd = process.cwd(),
): Promise<string[]> {
  const written: string[] = [];
  for (const { format, file } of requests) {
    const path = resolve(cwd, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, FORMATS[format].render(report));
    written.push(path);
  }
  return written;
}
