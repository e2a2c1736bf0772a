/**
 * How an operator tool is defined and run. Each `scripts/<name>.ts` exports a function that builds
 * its commander `Command` (flags, help, and the action that runs it and sets the exit code); the
 * same command runs alone (`npm run <name>`, {@link runStandalone}) and mounted as a subcommand of
 * the `cognito-standby-sync` bin (scripts/bin.ts, through the registry in ./registry.ts).
 * @packageDocumentation
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, CommanderError } from 'commander';
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
