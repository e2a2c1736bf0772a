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
  const pool = await createDrillPool(primaryClient, {
    name: 'attach',
    usernameMode: 'email',
    overrides: { LambdaConfig: { PreSignUp: PRE_SIGN_UP } },
  });
  const describe = async () =>
    (await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pool.poolId }))).UserPool!;
  const base = [
    '--region',
    primary.region,
    '--pool',
    pool.poolId,
    '--endpoint',
    primary.endpoint,
    '--function-arn',
    ARN,
  ];
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

describe('issue 10.8: attach-trigger sends back settings UpdateUserPool rejects', () => {
  test('a pool with MFA OPTIONAL and no SMS configuration is refused with the fix, and left unchanged', async () => {
    const { primary, primaryClient } = emu();
    const pool = await createDrillPool(primaryClient, {
      name: 'attach-mfa',
      overrides: { SmsConfiguration: undefined },
    });
    const describe = async () =>
      (await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pool.poolId }))).UserPool!;
    const before = await describe();
    expect(before.MfaConfiguration).toBe('OPTIONAL');
    const run = await attach([
      '--region',
      primary.region,
      '--pool',
      pool.poolId,
      '--endpoint',
      primary.endpoint,
      '--function-arn',
      ARN,
      '--apply',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/will not attach: the pool's MFA is OPTIONAL and it has no SmsConfiguration/);
    expect(run.stdout).toMatch(/Cognito console/);
    expect(await describe()).toEqual(before);
  });

  test('only the verification message in use is sent; the one that cannot be sent is reported, every setting in effect is kept', async () => {
    const { primary, primaryClient } = emu();
    const pool = await createDrillPool(primaryClient, {
      name: 'attach-templates',
      overrides: {
        UserPoolTier: 'PLUS',
        VerificationMessageTemplate: {
          DefaultEmailOption: 'CONFIRM_WITH_LINK',
          EmailMessage: 'Your code is {####}',
          EmailSubject: 'Your code',
          EmailMessageByLink: 'Verify: {##Click here##}',
          EmailSubjectByLink: 'Verify your e-mail',
          SmsMessage: 'Your code is {####}',
        },
      },
    });
    const describe = async () =>
      (await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pool.poolId }))).UserPool!;
    const base = [
      '--region',
      primary.region,
      '--pool',
      pool.poolId,
      '--endpoint',
      primary.endpoint,
      '--function-arn',
      ARN,
    ];
    const dry = await attach(base);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /not sent.*VerificationMessageTemplate\.EmailMessage, VerificationMessageTemplate\.EmailSubject/,
    );
    const backup = join(mkdtempSync(join(tmpdir(), 'attach-')), 'before.json');
    const applied = await attach([...base, '--apply', '--backup', backup]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/attached; (nothing else changed|no setting in effect changed)/);
    const after = await describe();
    expect(after.UserPoolTier).toBe('PLUS');
    expect(after.MfaConfiguration).toBe('OPTIONAL');
    expect(after.VerificationMessageTemplate).toMatchObject({
      DefaultEmailOption: 'CONFIRM_WITH_LINK',
      EmailMessageByLink: 'Verify: {##Click here##}',
      EmailSubjectByLink: 'Verify your e-mail',
    });
    expect(after.LambdaConfig?.PostConfirmation).toBe(ARN);
  });
});

test('bad flags exit 2 with a message naming the flag', async () => {
  const bad = await attach(['--region', 'us-east-1', '--pool', 'us-east-1_X', '--function-arn', 'not-an-arn']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--function-arn/);
});
