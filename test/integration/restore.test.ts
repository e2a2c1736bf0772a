/**
 * Restore to a point in time through the emulator layer, as an operator runs it: a backup in the
 * S3 emulator (a snapshot listed from the primary of the Cognito model, then the journal of a bad
 * day: users deleted, a group stripped), `npm run restore` (the CLI) into the primary itself.
 * The dry run writes nothing; --apply brings back every user (users lost 0) without touching the
 * users that were never harmed; --forget keeps an erased user from ever coming back.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  DescribeUserPoolCommand,
  ListGroupsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { poolRoot } from '../../src/backup/keys';
import { S3BackupStore } from '../../src/backup/store';
import type { BackedUpUser } from '../../src/backup/types';
import { toAttributeMap } from '../../src/cognito/conversions';
import { useEmulators, useS3Bucket } from '../support/emulators';
import { stateRecord, tombstone, writeBatch, writeSnapshot } from '../unit/backup/restore/fixtures';

jest.setTimeout(180_000);

const emu = useEmulators({
  sqs: false,
  cognito: ['primary', 'standby'],
  pools: { prefix: 'restore', usernameMode: 'username' },
});
const BUCKET = 'acme-cognito-backups';
const s3 = useS3Bucket(BUCKET, 'us-east-1');

/** A snapshot as the snapshot writer makes one: list calls only. */
async function listPool(client: CognitoIdentityProviderClient, poolId: string) {
  const users: BackedUpUser[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListUsersCommand({ UserPoolId: poolId, PaginationToken: token }));
    for (const u of page.Users ?? []) {
      const attributes = toAttributeMap(u.Attributes);
      users.push({
        username: u.Username!,
        sub: attributes.sub,
        attributes,
        enabled: u.Enabled ?? true,
        status: u.UserStatus ?? 'UNKNOWN',
        createdAt: u.UserCreateDate?.toISOString(),
        lastModifiedAt: u.UserLastModifiedDate?.toISOString(),
      });
    }
    token = page.PaginationToken;
  } while (token);
  const groups = (await client.send(new ListGroupsCommand({ UserPoolId: poolId }))).Groups ?? [];
  const bySub = new Map(users.map((u) => [u.username, u]));
  for (const g of groups) {
    const members = await client.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: g.GroupName! }));
    for (const m of members.Users ?? []) {
      const u = bySub.get(m.Username!)!;
      u.groups = [...(u.groups ?? []), g.GroupName!].sort();
    }
  }
  for (const u of users) u.groups ??= [];
  const described = await client.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
  return {
    users,
    groups: groups.map((g) => ({ name: g.GroupName!, description: g.Description, precedence: g.Precedence })),
    config: { UserPool: described.UserPool },
  };
}

function runRestore(args: string[]) {
  const env = { ...process.env };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_PROFILE;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '..', '..', 'scripts', 'restore.ts'), ...args],
      { env },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('a bad day undone (deletions, a stripped group) into the primary, users lost 0; then the pool deleted and recreated with --create-pool', async () => {
  const { primary, primaryClient: client, pools } = emu();
  const poolId = pools.primary.poolId;
  const store = new S3BackupStore(s3().client(), BUCKET);
  const root = poolRoot('prod', poolId);
  await client.send(
    new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'admins', Precedence: 1, Description: 'Admins' }),
  );
  const names = Array.from({ length: 12 }, (_, i) => `person${i}`);
  for (const name of names) {
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: name,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: `${name}@example.com` },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    if (Number(name.slice(6)) % 3 === 0)
      await client.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: name, GroupName: 'admins' }));
  }
  const startedAt = new Date(Date.now() - 1000).toISOString();
  const listed = await listPool(client, poolId);
  await writeSnapshot(store, root, { snapshotId: 'daily-1', startedAt, ...listed });
  await new Promise((r) => setTimeout(r, 20));
  const at = new Date();
  await new Promise((r) => setTimeout(r, 20));

  // The bad day: a script deletes four users and strips the group from another; the journal records it.
  const deleted = listed.users.filter((u) => ['person1', 'person3', 'person4', 'person7'].includes(u.username));
  for (const u of deleted) await client.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: u.username }));
  await client.send(
    new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'person6', GroupName: 'admins' }),
  );
  const person6 = listed.users.find((u) => u.username === 'person6')!;
  const now = new Date().toISOString();
  await writeBatch(store, root, now, 'worker-a', 1, [
    ...deleted.map((u) => tombstone(now, u)),
    stateRecord(now, { ...person6, groups: [] }),
  ]);

  const dir = mkdtempSync(join(tmpdir(), 'restore-cli-'));
  const common = [
    '--from',
    `s3://${BUCKET}/prod`,
    '--at',
    at.toISOString(),
    '--target-region',
    primary.region,
    '--target-pool',
    poolId,
    '--target-endpoint',
    primary.endpoint,
    '--s3-endpoint',
    s3().endpoint,
    '--backup-region',
    'us-east-1',
    '--checkpoint',
    join(dir, 'cp.json'),
    '--json',
  ];
  const writesBefore = primary.shim.calls.AdminCreateUser ?? 0;
  const dry = await runRestore([...common, '--report', join(dir, 'dry.json')]);
  expect(dry.stderr).not.toMatch(/error/);
  expect(dry.code).toBe(0);
  const dryReport = JSON.parse(dry.stdout);
  expect(dryReport).toMatchObject({
    tool: 'cognito-standby-sync restore',
    mode: 'dry-run',
    counts: { create: 4, update: 1 },
    restore: { state: { users: 12, snapshotId: 'daily-1' } },
  });
  expect(primary.shim.calls.AdminCreateUser ?? 0).toBe(writesBefore);

  // An erasure recorded by hand: that user is never restored.
  const erased = deleted.find((u) => u.username === 'person7')!;
  const forgot = await runRestore([
    '--from',
    `s3://${BUCKET}/prod`,
    '--s3-endpoint',
    s3().endpoint,
    '--backup-region',
    'us-east-1',
    '--forget',
    erased.sub,
  ]);
  expect(forgot.code).toBe(0);

  const applied = await runRestore([...common, '--apply', '--report', join(dir, 'apply.json')]);
  expect(applied.code).toBe(0);
  const report = JSON.parse(readFileSync(join(dir, 'apply.json'), 'utf8'));
  expect(report).toMatchObject({ mode: 'apply', status: 'complete', counts: { created: 3, failed: 0 } });
  expect(report.restore.state.erased).toBe(1);

  const all = await client.send(new ListUsersCommand({ UserPoolId: poolId }));
  const byName = new Map((all.Users ?? []).map((u) => [u.Username!, toAttributeMap(u.Attributes)]));
  for (const u of deleted.filter((d) => d !== erased)) {
    // Users lost: 0. A user made again has a new sub; the original is in the source-sub attribute.
    expect(byName.get(u.username)?.['custom:source_sub']).toBe(u.sub);
  }
  expect(byName.has('person7')).toBe(false);
  expect(byName.size).toBe(11);
  // Users never harmed are the same users, with no source-sub attribute written on them.
  expect(byName.get('person0')?.['custom:source_sub']).toBeUndefined();
  const groupsOf = async (username: string) =>
    (
      (await client.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: username }))).Groups ?? []
    ).map((g) => g.GroupName);
  expect(await groupsOf('person6')).toEqual(['admins']);
  expect(await groupsOf('person3')).toEqual(['admins']);

  // The pool deleted: --create-pool recreates its configuration from the snapshot, then its users.
  const recreated = await runRestore([
    ...common.filter((a, i) => a !== '--target-pool' && common[i - 1] !== '--target-pool'),
    '--create-pool',
    'restore-recreated',
    '--apply',
    '--checkpoint',
    join(dir, 'recreated.json'),
    '--report',
    join(dir, 'recreated-report.json'),
  ]);
  expect(recreated.stderr).not.toMatch(/error/);
  expect(recreated.code).toBe(0);
  const newPool = /created pool (\S+) \(restore-recreated\)/.exec(recreated.stderr)?.[1];
  expect(newPool).toBeDefined();
  expect(recreated.stderr).toMatch(/not recreated: app client ids and secrets/);
  const again = await client.send(new ListUsersCommand({ UserPoolId: newPool }));
  const restored = new Map((again.Users ?? []).map((u) => [u.Username!, toAttributeMap(u.Attributes)]));
  expect(restored.size).toBe(11);
  expect(restored.get('person0')?.['custom:source_sub']).toBe(listed.users.find((u) => u.username === 'person0')!.sub);
  expect(await client.send(new ListGroupsCommand({ UserPoolId: newPool }))).toMatchObject({
    Groups: [expect.objectContaining({ GroupName: 'admins', Precedence: 1 })],
  });
});
