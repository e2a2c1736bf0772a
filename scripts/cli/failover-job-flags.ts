/**
 * The failover CLI's job mode flags (`--job start|status|pause|resume`) and the rules of a wave
 * from the flags: light, so that the failover command's flags and help load without the job's clients.
 * @packageDocumentation
 */
import { type Command, Option } from 'commander';
import type { QuotaCategory } from '../../src/cognito/quotas';
import type { FailoverRules } from '../../src/failover/rules';
import { optUrl } from './options';

/** The job mode's flags (with the local mode's that a job takes: --send, --rate, --quota, ...). */
export interface JobFlags {
  job?: 'start' | 'status' | 'pause' | 'resume';
  stage?: string;
  table?: string;
  function?: string;
  dynamodbEndpoint?: string;
  lambdaEndpoint?: string;
  region: string;
  pool: string;
  endpoint?: string;
  send: boolean;
  rate?: number;
  headroom: number;
  quota?: Partial<Record<QuotaCategory, number>>;
  yes: boolean;
  includeUnmarked: boolean;
  resendResetRequired: boolean;
  resendUncertain: boolean;
  readUnknownMfa: boolean;
  sourceSubAttribute: string;
  mfaMarkerAttribute: string;
  json: boolean;
}

/** The rules of a wave from the flags: the same for the local run and the job. */
export function rulesOf(f: JobFlags): FailoverRules {
  return {
    send: f.send,
    sourceSubAttribute: f.sourceSubAttribute,
    mfaMarkerAttribute: f.mfaMarkerAttribute,
    includeUnmarked: f.includeUnmarked,
    resendResetRequired: f.resendResetRequired,
    resendUncertain: f.resendUncertain,
    readUnknownMfa: f.readUnknownMfa,
  };
}

/** The names serverless.yml gives the failover table and function of a stage. */
export function stageNames(stage: string): { table: string; function: string } {
  const name = `cognito-standby-sync-${stage}-failover`;
  return { table: name, function: name };
}

/** Adds the job mode's flags. */
export function jobOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        '--job <command>',
        'drive the failover job of the standby deployment: start (with --send to send), status, pause, resume',
      ).choices(['start', 'status', 'pause', 'resume']),
    )
    .option('--stage <stage>', 'the deployment stage: the table and function are cognito-standby-sync-<stage>-failover')
    .option('--table <name>', 'the failover table (instead of --stage)')
    .option('--function <name>', 'the failover function (instead of --stage)')
    .option('--dynamodb-endpoint <url>', 'DynamoDB endpoint override (local emulator)', optUrl)
    .option('--lambda-endpoint <url>', 'Lambda endpoint override (local emulator)', optUrl);
}
