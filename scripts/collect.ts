#!/usr/bin/env -S npx tsx
/**
 * `npm run collect -- --org <org> (--prefix <prefix> | --roster <file>) [--to <dir>]`
 *
 * Collects a class for `npm run grade -- --batch`: clones each student's repository and keeps only the regular
 * `exercises/**\/*.ts` files, within size limits. Runs no student code. The token (read-only is enough) comes from
 * the environment variable AWAITLINGS_CLASS_TOKEN, never from the command line; GITHUB_SERVER_URL and GITHUB_API_URL
 * name the server (as in GitHub Actions).
 */
import { resolve } from 'node:path';
import { chalk } from 'zx';
import { collectClass, readRoster } from '../grader/node/class/collect.ts';
import { parseArgs, runMain, UsageError } from './cli.ts';

const USAGE = `Usage: npm run collect -- --org <org> (--prefix <prefix> | --roster <file>) [--to <dir>]

  --org <org>        the organisation that owns the students' repositories
  --prefix <prefix>  take its repositories whose name starts with <prefix> (the assignment's)
  --roster <file>    take the repositories listed in <file>, one a line (name or owner/name)
  --to <dir>         the class folder to write (default: class)

  Environment: AWAITLINGS_CLASS_TOKEN (a token that can read the repositories),
               GITHUB_SERVER_URL, GITHUB_API_URL (default: github.com)`;

const args = parseArgs(USAGE, { string: ['org', 'prefix', 'roster', 'to'] });

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (!args.org) throw new UsageError('Name the organisation: `--org <org>`.');
  if (!args.prefix && !args.roster) throw new UsageError('Give `--prefix <prefix>` or `--roster <file>`.');
  const to = resolve(args.to ?? 'class');
  const collected = await collectClass({
    org: args.org,
    prefix: args.prefix || undefined,
    roster: args.roster ? readRoster(args.roster) : undefined,
    to,
    token: process.env.AWAITLINGS_CLASS_TOKEN || undefined,
    serverUrl: process.env.GITHUB_SERVER_URL,
    apiUrl: process.env.GITHUB_API_URL,
    onLine: (line) => console.log(line),
  });
  const failed = collected.filter((student) => student.error);
  console.log(
    chalk.green(
      `Collected ${collected.length - failed.length} of ${collected.length} repositories into ${to}.`,
    ),
  );
  for (const student of failed) console.log(chalk.yellow(`  ${student.student}: ${student.error}`));
  if (collected.length === 0) {
    console.error(chalk.red('No repository matched: check --org and --prefix (or the roster).'));
    process.exitCode = 1;
  }
}

runMain(main, {
  usage: USAGE,
  failure: 'collect failed:',
  failureCode: 1,
});
