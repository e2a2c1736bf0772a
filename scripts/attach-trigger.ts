/**
 * npm run attach-trigger -- --region R --pool ID --function-arn ARN [--endpoint URL] [--apply]
 *                           [--replace-existing] [--detach] [--backup FILE]
 *
 * Sets (or with --detach removes) the pool's PostConfirmation trigger by a checked
 * read-modify-write, and proves afterwards that nothing else changed (src/deploy/attach-trigger.ts
 * plans and checks; this file makes the calls). Dry run by default.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { planAttachment, verifyAttachment } from '../src/deploy/attach-trigger';
import type { PoolSettings } from '../src/cognito/types';
import { describeError } from '../src/core/errors';
import { isMain, runMain, runStandalone } from './cli/command';
import { EXIT } from './cli/exit-codes';
import { optFunctionArn, optPoolId, optRegion, optUrl } from './cli/options';

/** The `attach-trigger` command: its flags, its help, and its action. */
export function attachTriggerCommand(): Command {
  const program = new Command('attach-trigger')
    .description(
      "Attach the suite's post confirmation trigger to an existing pool without touching anything else.\n" +
        'UpdateUserPool resets every setting it is not given, so this reads the pool, sends back every setting\n' +
        'unchanged with only LambdaConfig.PostConfirmation set, then reads it again and lists any other change.\n' +
        'It refuses, saying what to do instead, when the pool has another PostConfirmation trigger (chain it:\n' +
        'docs/DEPLOY.md), reports a setting this version does not know or no feature plan, or has MFA ON or\n' +
        'OPTIONAL without an SMS configuration (UpdateUserPool rejects that). Dry run unless --apply.',
    )
    .requiredOption('--region <region>', "the pool's Region", optRegion)
    .requiredOption('--pool <id>', 'the user pool id', optPoolId)
    .requiredOption('--function-arn <arn>', 'the trigger function (stack output TriggerFunctionArn)', optFunctionArn)
    .option('--endpoint <url>', 'Cognito endpoint override (local emulator)', optUrl)
    .option('--apply', 'make the change (default: only show it)', false)
    .option('--replace-existing', 'replace a different PostConfirmation trigger instead of refusing', false)
    .option('--detach', "remove the suite's trigger (only if it is the one attached)", false)
    .option('--backup <file>', "where to keep the pool's configuration before the change (mode 0600)");
  return program.action(() => runMain(() => main(program.opts<AttachTriggerFlags>())));
}

interface AttachTriggerFlags {
  region: string;
  pool: string;
  functionArn: string;
  endpoint?: string;
  apply: boolean;
  replaceExisting: boolean;
  detach: boolean;
  backup?: string;
}

async function main(f: AttachTriggerFlags): Promise<number> {
  // Loaded when the command runs, not when its flags or help are read: `--help` starts at once (issue 15).
  const { buildGateway } = await import('./cli/common');
  // Through the Cognito port: paced by the quota limiter and retried like every other call.
  const pool = buildGateway({ region: f.region, poolId: f.pool, endpoint: f.endpoint });
  const describe = (): Promise<PoolSettings> => pool.describePoolSettings();
  const before = await describe();
  const decision = planAttachment(before, f.functionArn, { replaceExisting: f.replaceExisting, detach: f.detach });
  const verb = f.detach ? 'detach' : 'attach';
  if (decision.action === 'already-attached') {
    process.stdout.write(
      `${f.pool}: nothing to do (${f.detach ? 'no suite trigger attached' : 'the trigger is already attached'})\n`,
    );
    return EXIT.OK;
  }
  if (decision.action === 'refuse') {
    process.stdout.write(`${f.pool}: will not ${verb}: ${decision.reason}\n`);
    return EXIT.PROBLEMS;
  }
  const kept = Object.keys(decision.request).filter((k) => k !== 'UserPoolId' && k !== 'LambdaConfig');
  process.stdout.write(
    `${f.pool}: ${f.detach ? 'remove' : 'set'} LambdaConfig.PostConfirmation${f.detach ? '' : ` = ${f.functionArn}`}` +
      (before.LambdaConfig?.PostConfirmation && !f.detach
        ? ` (replacing ${before.LambdaConfig.PostConfirmation})`
        : '') +
      `\n  sent back unchanged: ${kept.join(', ') || '(nothing else is set)'}, and the other triggers\n` +
      (decision.notSent.length
        ? `  not sent, as UpdateUserPool rejects them alongside the settings in use (not in effect; Cognito may reset them; the backup keeps them): ${decision.notSent.join(', ')}\n`
        : ''),
  );
  if (!f.apply) {
    process.stdout.write('dry run: nothing changed. Run again with --apply to make the change.\n');
    return EXIT.OK;
  }
  const backup = f.backup ?? `pool-${f.pool}-before-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(backup, `${JSON.stringify(before, null, 2)}\n`, { mode: 0o600 });
  let rejected: unknown;
  await pool.updatePoolSettings(decision.request).catch((err: unknown) => {
    rejected = err;
  });
  // The proof, also after a rejected update: read the pool again and compare.
  const { unexpected, notSent } = verifyAttachment(before, await describe(), decision.notSent);
  if (rejected) {
    process.stdout.write(
      `${f.pool}: Cognito rejected the update (${describeError(rejected)}); ` +
        (unexpected.length || notSent.length
          ? `yet these settings changed: ${[...unexpected, ...notSent].join(', ')}; restore them from ${backup}\n`
          : 'the pool is unchanged\n'),
    );
    return EXIT.PROBLEMS;
  }
  if (unexpected.length) {
    process.stdout.write(
      `${f.pool}: ${verb}ed, but these settings changed too: ${unexpected.join(', ')}\n  the configuration before is in ${backup}: restore them from it\n`,
    );
    return EXIT.PROBLEMS;
  }
  const outcome = notSent.length
    ? `no setting in effect changed; Cognito reset ${notSent.join(', ')}, which could not be sent (not in effect; the values before are in the backup)`
    : 'nothing else changed';
  process.stdout.write(`${f.pool}: ${verb}ed; ${outcome} (configuration before: ${backup})\n`);
  return EXIT.OK;
}

if (isMain(import.meta.url)) void runStandalone(attachTriggerCommand);
