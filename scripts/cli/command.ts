/**
 * How an operator tool is defined and run. Each `scripts/<name>.ts` exports a function that builds
 * its commander `Command` (flags, help, and the action that runs it and sets the exit code); the
 * same command runs alone (`npm run <name>`, {@link runStandalone}) and mounted as a subcommand of
 * the `cognito-standby-sync` bin (scripts/bin.ts, through the registry in ./registry.ts).
 * Light on purpose, like ./options: a tool's module imports these two at the top and loads what it
 * runs with (AWS clients, src/ features, ./common) inside its action, so its `--help` starts at once.
 * @packageDocumentation
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, CommanderError } from 'commander';
import { ConfigError, describeError } from '../../src/core/errors';
import { redactContacts } from '../../src/failover/redact';
import { EXIT } from './exit-codes';

/** Builds one tool's command, action included; a new command each call (commander keeps parse state). */
export type CommandBuilder = () => Command;

/**
 * Parses `argv` with the command and runs its action. Help and version exit 0; a bad or missing flag
 * exits 2 (commander has printed the message), per the suite's exit codes (commander alone would exit 1).
 * The action sets the exit code itself (runMain).
 */
export async function runProgram(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  exitOverrideAll(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.ERROR);
    throw err;
  }
}

/**
 * Parses the command line synchronously (a tool not yet built as a mountable command, whose main
 * reads `program.opts()` after this): help and version exit 0, a bad or missing flag exits 2.
 * New tools build a command with an action instead, run by {@link runStandalone} and the bin.
 */
export function parseArgs(program: Command, argv: string[] = process.argv): void {
  program.exitOverride();
  try {
    program.parse(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.ERROR);
    throw err;
  }
}

/**
 * Runs a tool as the whole program, as `npm run <name>` does.
 * @example
 * // at the end of scripts/reconcile.ts
 * if (isMain(import.meta.url)) void runStandalone(reconcileCommand);
 */
export function runStandalone(build: CommandBuilder, argv: readonly string[] = process.argv): Promise<void> {
  return runProgram(build(), argv);
}

let mounted = false;

/** Said by the bin before it loads a tool: from then on no tool takes itself for the program. */
export function markMounted(): void {
  mounted = true;
}

/**
 * True when the module at `moduleUrl` is the script node was started with (`tsx scripts/<name>.ts`),
 * false when another module imports it (the bin, a test): importing a tool never runs it.
 */
export function isMain(moduleUrl: string, argv1: string | undefined = process.argv[1]): boolean {
  if (mounted || !argv1) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(argv1);
  } catch {
    return false;
  }
}

/** commander throws instead of exiting, in the command and every subcommand (mounted ones do not inherit it). */
function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideAll(sub);
}

/** A bad flag or a refused operation: printed without a stack, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Writes one line to stderr (progress, notes: never personal data). */
export function note(text: string): void {
  process.stderr.write(`${redactContacts(text)}\n`);
}

/**
 * Runs a CLI's main function and sets the exit code: its return value, or 2 for an error (the
 * message only for a UsageError/ConfigError, the error's name and message otherwise, contact
 * data redacted).
 */
export async function runMain(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (err) {
    const known = err instanceof UsageError || err instanceof ConfigError || (err as Error)?.name === 'JournalError';
    note(`error: ${known ? (err as Error).message : describeError(err)}`);
    if (!known && process.env.DEBUG) console.error(err);
    process.exitCode = EXIT.ERROR;
  }
}
