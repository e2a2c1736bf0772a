/**
 * The doctor CLI against two emulated Regions: a well-prepared pair passes (exit 0), a
 * deliberately mismatched pair is reported finding by finding (exit 1).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Finding } from '../../src/doctor/compare';
import { createDrillPool } from '../../scripts/local/pools';
import { type CliRun, runCli } from '../support/cli';
import { useEmulators } from '../support/emulators';

jest.setTimeout(120_000);

const emu = useEmulators({ sqs: false, pools: false });

function doctor(args: string[]): Promise<CliRun> {
  return runCli('doctor', args, { timeoutMs: 60_000 });
}

const ses = (region: string) => ({
  EmailSendingAccount: 'DEVELOPER' as const,
  SourceArn: `arn:aws:ses:${region}:000000000000:identity/example.com`,
  From: 'no-reply@example.com',
});
const trigger = (region: string) => ({
  PostConfirmation: `arn:aws:lambda:${region}:000000000000:function:sync-trigger`,
});

function args(
  source: { region: string; endpoint: string; poolId: string },
  target: { region: string; endpoint: string; poolId: string },
  extra: string[] = [],
): string[] {
  return [
    '--source-region',
    source.region,
    '--source-pool',
    source.poolId,
    '--source-endpoint',
    source.endpoint,
    '--target-region',
    target.region,
    '--target-pool',
    target.poolId,
    '--target-endpoint',
    target.endpoint,
    ...extra,
  ];
}

test('a well-prepared pair: no blocker, exit 0', async () => {
  const { primary, standby, primaryClient, standbyClient } = emu();
  const common = { usernameMode: 'username' as const, replicaAttributes: true, customAttributes: ['tenant'] };
  const [s, t] = await Promise.all([
    createDrillPool(primaryClient, {
      ...common,
      name: 'ok-src',
      overrides: {
        LambdaConfig: trigger(primary.region),
        EmailConfiguration: ses(primary.region),
        DeletionProtection: 'ACTIVE',
      },
    }),
    createDrillPool(standbyClient, {
      ...common,
      name: 'ok-dst',
      overrides: {
        LambdaConfig: trigger(standby.region),
        EmailConfiguration: ses(standby.region),
        DeletionProtection: 'ACTIVE',
      },
    }),
  ]);
  for (const [client, poolId] of [
    [primaryClient, s.poolId],
    [standbyClient, t.poolId],
  ] as const) {
    await client.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'admins', Precedence: 1 }));
  }
  const r = await doctor(args({ ...primary, poolId: s.poolId }, { ...standby, poolId: t.poolId }, ['--json']));
  expect(r.stderr).not.toMatch(/error/);
  const report = JSON.parse(r.stdout) as { ok: boolean; findings: Finding[] };
  expect(report.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
  expect(report.ok).toBe(true);
  expect(r.code).toBe(0);
});

test('a mismatched pair: each difference reported with its fix, exit 1', async () => {
  const { primary, standby, primaryClient, standbyClient } = emu();
  const [s, t] = await Promise.all([
    createDrillPool(primaryClient, {
      name: 'bad-src',
      usernameMode: 'username',
      replicaAttributes: true,
      customAttributes: ['tenant'],
      mfaConfiguration: 'OPTIONAL',
    }),
    createDrillPool(standbyClient, {
      name: 'bad-dst',
      usernameMode: 'email',
      replicaAttributes: false,
      mfaConfiguration: 'OFF',
      passwordPolicy: {
        MinimumLength: 8,
        RequireUppercase: false,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: false,
      },
      overrides: {
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'admin_only', Priority: 1 }] },
        LambdaConfig: { PostConfirmation: `arn:aws:lambda:${primary.region}:000000000000:function:sync-trigger` },
      },
    }),
  ]);
  await primaryClient.send(new CreateGroupCommand({ UserPoolId: s.poolId, GroupName: 'admins', Precedence: 1 }));
  const r = await doctor(args({ ...primary, poolId: s.poolId }, { ...standby, poolId: t.poolId }, ['--json']));
  expect(r.code).toBe(1);
  const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  const severity = Object.fromEntries(findings.map((f) => [f.id, f.severity]));
  expect(severity).toEqual(
    expect.objectContaining({
      'username.sign-in': 'blocker',
      'schema.source-sub.missing': 'blocker',
      'schema.mfa-marker.missing': 'blocker',
      'schema.custom.missing:custom:tenant': 'blocker',
      'mfa.off': 'blocker',
      'recovery.admin-only': 'blocker',
      'trigger.source': 'blocker',
      'trigger.cross-region:PostConfirmation': 'blocker',
      'password.weaker': 'warning',
      'groups.missing': 'warning',
    }),
  );
  const add = findings.find((f) => f.id === 'schema.source-sub.missing')!;
  expect(add.command).toBe(
    `aws cognito-idp add-custom-attributes --region ${standby.region} --user-pool-id ${t.poolId} --custom-attributes '[{"Name":"source_sub","AttributeDataType":"String","Mutable":true,"StringAttributeConstraints":{"MinLength":"0","MaxLength":"64"}}]'`,
  );

  const text = await doctor(args({ ...primary, poolId: s.poolId }, { ...standby, poolId: t.poolId }));
  expect(text.code).toBe(1);
  expect(text.stdout).toMatch(/^BLOCKER \[recovery\] the target's account recovery is admin-only$/m);
  expect(text.stdout).toMatch(/^ {4}\$ aws cognito-idp create-group .*--group-name admins --precedence 1$/m);
});

test('an unreachable pool: exit 2 with the error', async () => {
  const { primary } = emu();
  const r = await doctor(
    args(
      { ...primary, poolId: 'us-east-1_Nope' },
      { region: 'us-west-2', endpoint: 'http://127.0.0.1:1', poolId: 'us-west-2_Nope' },
    ),
  );
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^error: /m);
});

test('--report-dir: the findings go into a reports folder, and `npm run report` links them into the page', async () => {
  const { primary, standby, primaryClient, standbyClient } = emu();
  const [s, t] = await Promise.all([
    createDrillPool(primaryClient, { name: 'rd-src', usernameMode: 'username', replicaAttributes: true }),
    createDrillPool(standbyClient, { name: 'rd-dst', usernameMode: 'username', replicaAttributes: false }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'doctor-report-'));
  const r = await doctor(
    args({ ...primary, poolId: s.poolId }, { ...standby, poolId: t.poolId }, ['--report-dir', dir]),
  );
  expect(r.code).toBe(1);
  const files = readdirSync(dir);
  expect(files).toEqual([expect.stringMatching(/^doctor-\d{8}T\d{6}Z\.json$/)]);
  const record = JSON.parse(readFileSync(join(dir, files[0]), 'utf8')) as { ok: boolean; findings: Finding[] };
  expect(record.ok).toBe(false);
  const blockers = record.findings.filter((f) => f.severity === 'blocker').length;
  expect(blockers).toBeGreaterThan(0);

  const page = join(dir, 'report.html');
  const rep = await runCli('report', ['--from', dir, '--out', page]);
  expect(rep.code).toBe(0);
  const html = readFileSync(page, 'utf8');
  expect(html).toContain(`data-figure="doctor-blockers">${blockers}<`);
  expect(html).toContain('schema.source-sub.missing');
});
