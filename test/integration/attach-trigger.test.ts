/**
 * The attach-trigger CLI against an emulated pool: a dry run changes nothing, --apply sets only
 * the PostConfirmation trigger (other triggers and settings intact), a second run has nothing to
 * do, a foreign trigger is refused, and --detach removes only the suite's trigger.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createDrillPool } from '../../scripts/local/pools';
import { type CliRun, runCli } from '../support/cli';
import { useEmulators } from '../support/emulators';

jest.setTimeout(120_000);

const emu = useEmulators({ cognito: ['primary'], sqs: false, pools: false });
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:cognito-standby-sync-test-trigger';
const PRE_SIGN_UP = 'arn:aws:lambda:us-east-1:000000000000:function:pre-sign-up';

function attach(args: string[]): Promise<CliRun> {
  return runCli('attach-trigger', args, { timeoutMs: 60_000 });
}

test('attaches by a checked read-modify-write and detaches again', async () => {
  const { primary, primaryClient } = emu();
  const pool = await createDrillPool(primaryClient, { name: 'attach', usernameMode: 'email', overrides: { LambdaConfig: { PreSignUp: PRE_SIGN_UP } } });
  const describe = async () => (await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pool.poolId }))).UserPool!;
  const base = ['--region', primary.region, '--pool', pool.poolId, '--endpoint', primary.endpoint, '--function-arn', ARN];
  const before = await describe();

  const dry = await attach(base);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/dry run: nothing changed/);
  expect((await describe()).LambdaConfig?.PostConfirmation).toBeUndefined();

  const backup = join(mkdtempSync(join(tmpdir(), 'attach-')), 'before.json');
  const applied = await attach([...base, '--apply', '--backup', backup]);
  expect(applied.stderr).not.toMatch(/error/);
  expect(applied.code).toBe(0);
  expect(applied.stdout).toMatch(/attached; nothing else changed/);
  const after = await describe();
  expect(after.LambdaConfig).toEqual({ PreSignUp: PRE_SIGN_UP, PostConfirmation: ARN });
  expect(after.Policies).toEqual(before.Policies);
  expect(after.AccountRecoverySetting).toEqual(before.AccountRecoverySetting);
  expect(statSync(backup).mode & 0o777).toBe(0o600);

  const again = await attach([...base, '--apply']);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/already attached/);

  const foreign = await attach([...base.slice(0, -1), `${ARN}-other`, '--apply']);
  expect(foreign.code).toBe(1);
  expect(foreign.stdout).toMatch(/already has a PostConfirmation trigger/);
  expect((await describe()).LambdaConfig?.PostConfirmation).toBe(ARN);

  const detached = await attach([...base, '--detach', '--apply', '--backup', `${backup}.2`]);
  expect(detached.code).toBe(0);
  expect((await describe()).LambdaConfig).toEqual({ PreSignUp: PRE_SIGN_UP });
});

test('bad flags exit 2 with a message naming the flag', async () => {
  const bad = await attach(['--region', 'us-east-1', '--pool', 'us-east-1_X', '--function-arn', 'not-an-arn']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--function-arn/);
});
