/**
 * Issue 2's end-to-end path on the emulators: a user confirms in the primary, the Cognito model
 * invokes the real post confirmation trigger through the Lambda endpoint, the trigger queues a
 * message, the real worker (driven by the SQS poller as the Lambda event source would) replicates
 * the user into the standby. Plus an admin-confirmed user in a group, a user with SMS MFA, and a
 * disabled user (by change capture, and by the reconciler). Runs on the drill's local Region
 * runtime (scripts/drill/runtime). No timing assertions; waits are bounded by generous timeouts.
 */
import '../../scripts/drill/quiet';
import {
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  GetGroupCommand,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { functionName } from '../../scripts/drill/runtime/names';
import type { DrillUser } from '../../scripts/drill/runtime/population';
import { reconcileSides } from '../../scripts/drill/runtime/tools';
import { startWorld, type World } from '../../scripts/drill/runtime/world';

jest.setTimeout(120_000);

let world: World;
const CONFIRMED = 'PostConfirmation_ConfirmSignUp';

beforeAll(async () => {
  world = await startWorld();
}, 90_000);

afterAll(async () => {
  await world?.stop();
});

const attrs = (list: AttributeType[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.Name, a.Value]));

async function standbyCopy(email: string): Promise<UserType> {
  const r = await world.regions.standby.admin.send(
    new ListUsersCommand({ UserPoolId: world.regions.standby.pool.poolId, Filter: `email = "${email}"` }),
  );
  expect(r.Users).toHaveLength(1);
  return r.Users![0];
}

async function getUser(client: CognitoIdentityProviderClient, poolId: string, username: string) {
  return client.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }));
}

/** Waits until the primary worker has acknowledged a message with `reason` for the user. */
function replicated(u: DrillUser, reason = CONFIRMED, since = 0) {
  return world.deployments.primary.tracker.waitFor(u.subs.primary, reason, since, 30_000, `${reason} of user #${u.n}`);
}

async function groupsOf(client: CognitoIdentityProviderClient, poolId: string, username: string): Promise<string[]> {
  const r = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: username }));
  return (r.Groups ?? []).map((g) => g.GroupName!).sort();
}

test('a confirmed sign-up reaches the standby through the real trigger and worker', async () => {
  const { primary, standby } = world.regions;
  const u = world.population.add('primary', 'sign-up', { tier: 'pro' });
  await world.apps.primary.signUp(u);
  const before = primary.lambda.invocations.length;
  await world.apps.primary.confirm(u);

  // The Cognito model invoked the trigger through the Lambda endpoint, and the trigger returned the event.
  const inv = primary.lambda.invocations.slice(before).find((i) => i.functionName === functionName('trigger'));
  expect(inv).toBeDefined();
  const event = inv!.event as PostConfirmationTriggerEvent;
  expect(event.triggerSource).toBe(CONFIRMED);
  expect(event.userPoolId).toBe(primary.pool.poolId);
  expect(event.region).toBe(primary.region);
  expect(inv!.error).toBeUndefined();
  expect((inv!.result as PostConfirmationTriggerEvent).userName).toBe(event.userName);

  const done = await replicated(u);
  expect(done.outcome).toBe('done');
  const copy = await standbyCopy(u.email);
  const a = attrs(copy.Attributes);
  expect(copy.UserStatus).toBe('CONFIRMED'); // recoverable: "Forgot password" works at failover
  expect(copy.Enabled).toBe(true);
  expect(a.email).toBe(u.email);
  expect(a.email_verified).toBe('true');
  expect(a['custom:tier']).toBe('pro');
  expect(a['custom:source_sub']).toBe(u.subs.primary);
  expect(a['custom:source_mfa']).toBe('NONE');
  expect(a.sub).not.toBe(u.subs.primary); // each pool has its own sub
  expect(await groupsOf(standby.admin, standby.pool.poolId, copy.Username!)).toEqual([]);
});

test('an admin-confirmed user in groups: memberships replicated, missing groups created with their settings', async () => {
  const { standby } = world.regions;
  const u = world.population.add('primary', 'admin-confirmed', { groups: ['admins', 'beta'] });
  await world.apps.primary.signUp(u);
  await world.apps.primary.adminConfirm(u);
  await replicated(u);
  const copy = await standbyCopy(u.email);
  expect(copy.UserStatus).toBe('CONFIRMED');
  expect(attrs(copy.Attributes)['custom:source_sub']).toBe(u.subs.primary);
  expect(await groupsOf(standby.admin, standby.pool.poolId, copy.Username!)).toEqual(['admins', 'beta']);
  const g = await standby.admin.send(new GetGroupCommand({ UserPoolId: standby.pool.poolId, GroupName: 'admins' }));
  expect(g.Group).toMatchObject({ Description: 'Back-office administrators', Precedence: 1 });
});

test('SMS MFA is replicated with the verified phone, and recorded in the MFA marker', async () => {
  const { standby } = world.regions;
  const u = world.population.add('primary', 'sign-up', { smsMfa: true });
  await world.apps.primary.signUp(u);
  await world.apps.primary.confirm(u);
  await replicated(u);
  const copy = await standbyCopy(u.email);
  const g = await getUser(standby.admin, standby.pool.poolId, copy.Username!);
  expect(g.UserMFASettingList).toEqual(['SMS_MFA']);
  expect(g.PreferredMfaSetting).toBe('SMS_MFA');
  const a = attrs(g.UserAttributes);
  expect(a.phone_number).toBe(u.phone);
  expect(a.phone_number_verified).toBe('true');
  expect(a['custom:source_mfa']).toBe('SMS_MFA;SMS_MFA');
});

test('a user disabled later is disabled in the standby by change capture, with no echo back', async () => {
  const { primary, standby } = world.deployments;
  const u = world.population.add('primary', 'sign-up');
  await world.apps.primary.signUp(u);
  await world.apps.primary.confirm(u);
  await replicated(u);
  const standbyBefore = standby.tracker.completions.length;
  const at = Date.now();
  await world.apps.primary.setEnabled(u, false);
  await primary.flushCapture();
  await replicated(u, 'AdminDisableUser', at);
  expect((await standbyCopy(u.email)).Enabled).toBe(false);
  // The worker's writes into the standby are seen by the standby's rule as its peer's role: dropped.
  await standby.flushCapture();
  expect(standby.capture.echoesFiltered).toBeGreaterThan(0);
  expect(standby.tracker.completions.length).toBe(standbyBefore);
});

test('a user disabled while change capture is off is disabled in the standby by the reconciler', async () => {
  const { primary } = world.deployments;
  const u = world.population.add('primary', 'sign-up');
  await world.apps.primary.signUp(u);
  await world.apps.primary.confirm(u);
  await replicated(u);
  await primary.stopCapture();
  try {
    await world.apps.primary.setEnabled(u, false);
  } finally {
    primary.startCapture();
  }
  expect((await standbyCopy(u.email)).Enabled).toBe(true);
  const result = await reconcileSides(world, 'primary', { apply: true, label: 'it-disable' });
  expect(result.exitCode).toBe(0);
  expect(result.report.counts.drift.enabled).toBe(1);
  expect((await standbyCopy(u.email)).Enabled).toBe(false);
});
