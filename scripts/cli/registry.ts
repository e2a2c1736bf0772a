/**
 * The operator tools the `cognito-standby-sync` bin offers, one entry each. A tool is loaded only
 * when it is the one asked for, so that `--help` and `--version` start at once.
 * Mounting a tool is one line here: its name, the line of the command list, and its builder.
 * @packageDocumentation
 */
import type { CommandBuilder } from './command';

/** One subcommand of the bin. */
export interface CommandEntry {
  /** The subcommand, the same as the name of its `Command` and of its `npm run` script. */
  readonly name: string;
  /** Its line in the bin's command list. */
  readonly summary: string;
  /** Loads the tool's module and gives its builder. */
  readonly load: () => Promise<CommandBuilder>;
}

/** Every operator tool, in the order of the command list. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'doctor',
    summary: 'compare the two pools: what will break, and the exact fix (exit 1 on blockers)',
    load: async () => (await import('../doctor')).doctorCommand,
  },
  {
    name: 'reconcile',
    summary: 'find every difference between a source and a target pool and (with --apply) repair it',
    load: async () => (await import('../reconcile')).reconcileCommand,
  },
  {
    name: 'failover',
    summary: "prepare (with --send, send) the standby's password resets; --job drives the failover job",
    load: async () => (await import('../failover')).failoverCommand,
  },
  {
    name: 'redrive',
    summary: "move the sync DLQ's messages back to the sync queue",
    load: async () => (await import('../redrive')).redriveCommand,
  },
  {
    name: 'attach-trigger',
    summary: "attach (or detach) the suite's post confirmation trigger without touching anything else",
    load: async () => (await import('../attach-trigger')).attachTriggerCommand,
  },
  {
    name: 'backup',
    summary: 'take a full snapshot of a pool into the backup bucket now (list calls only); --verify checks the latest',
    load: async () => (await import('../backup')).backupCommand,
  },
  {
    name: 'restore',
    summary: 'restore a pool to a point in time from the backup (snapshot + journal); dry run unless --apply',
    load: async () => (await import('../restore')).restoreCommand,
  },
  {
    name: 'report',
    summary: 'write the readiness and drill report: one self-contained HTML page, no personal data',
    load: async () => (await import('../report')).reportCommand,
  },
];
