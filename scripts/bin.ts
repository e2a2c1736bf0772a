#!/usr/bin/env node
/**
 * cognito-standby-sync <command> [options]: every operator tool behind one command, the same flags,
 * output and exit codes as `npm run <command>`. Built to dist/bin by `npm run build` (scripts/build/bin.ts).
 * Only the tool asked for is loaded: the command list, `--help` and `--version` load none.
 */
import { Command } from 'commander';
import { version } from '../package.json';
import { markMounted, runProgram } from './cli/command';
import { COMMANDS } from './cli/registry';

/**
 * The bin's program: each tool named in `argv` is mounted whole (loaded), every other one only as a
 * line of the command list.
 * @example
 * await runProgram(await binProgram(process.argv));
 */
export async function binProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('cognito-standby-sync')
    .description(
      'Keep a standby Amazon Cognito user pool in step with the primary one, and fail over to it.\n' +
        'In an emergency, run it from a CloudShell in the standby Region.',
    )
    .version(version, '-V, --version', 'print the version')
    .helpCommand('help [command]', 'help for a command')
    .showHelpAfterError('(run cognito-standby-sync --help for the commands)')
    .addHelpText('after', '\nEach command has its --help. Exit status: 0 done, 1 done with problems, 2 could not run.');
  // The first words that are not options: the command, or `help <command>`.
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const wanted = new Set(words[0] === 'help' ? words.slice(1, 2) : words.slice(0, 1));
  markMounted();
  for (const entry of COMMANDS) {
    if (wanted.has(entry.name)) program.addCommand((await entry.load())());
    else program.command(entry.name).summary(entry.summary);
  }
  return program;
}

void binProgram(process.argv).then((program) => runProgram(program));
