import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListGroupsCommand,
  TooManyRequestsException,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CognitoGateway } from '../../../src/cognito/gateway';
import { QuotaLimiter } from '../../../src/cognito/limiter';
import type { CognitoPool } from '../../../src/cognito/pool';
import { runView, userView } from '../../../src/reconcile/views';
import { RunStoppedError } from '../../../src/reconcile/scan';
import { describeUserPoolAnswer, InstantClock, uniquePoolId } from '../helpers';

const throttle = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

function setup(client = new CognitoIdentityProviderClient({ region: 'us-east-1' })) {
  const mock = mockClient(client);
  const clock = new InstantClock();
  const poolId = uniquePoolId();
  const gateway = new CognitoGateway({
    region: 'us-east-1',
    poolId,
    client,
    clock,
    limiter: new QuotaLimiter({ clock }),
    random: () => 0.5,
  });
  return { client, mock, clock, gateway, poolId };
}

describe('issue 11.1: the CognitoPool port', () => {
  test('a view made by intercept shares counters, limiter and retries, and runs its hooks around each attempt', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminGetUserCommand).rejectsOnce(throttle()).resolves({ Username: 'alice', UserAttributes: [] });
    const seen: string[] = [];
    const view: CognitoPool = gateway.intercept({
      onCall: (c) => seen.push(`call ${c.operation} ${c.category}`),
      beforeSend: (c) => seen.push(`send ${c.operation}`),
      afterSend: (c) => seen.push(`done ${c.operation}`),
    });
    expect(view).not.toBe(gateway);
    expect(Object.getPrototypeOf(view)).toBe(CognitoGateway.prototype); // no prototype patching
    await view.getUser('alice');
    expect(seen).toEqual([
      'call AdminGetUser UserRead',
      'send AdminGetUser',
      'done AdminGetUser',
      'send AdminGetUser',
      'done AdminGetUser',
    ]);
    expect(gateway.calls).toEqual({ AdminGetUser: 2 }); // the retry is the adapter's, counted once per attempt
    expect(view.calls).toBe(gateway.calls);
    expect((view as CognitoGateway).limiter).toBe(gateway.limiter);
    expect(view.groupListings).toBe(gateway.groupListings);
  });

  test('runView: a stopped run sends nothing more, whether the call is new or was waiting for its turn', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminUpdateUserAttributesCommand).resolves({});
    const stop = new AbortController();
    const run = runView(gateway, stop.signal);
    await run.gateway.updateAttributes('a', { name: 'A' });
    expect(run.inFlight()).toBe(0);
    stop.abort();
    await expect(run.gateway.updateAttributes('a', { name: 'B' })).rejects.toThrow(RunStoppedError);
    expect(mock).toHaveReceivedCommandTimes(AdminUpdateUserAttributesCommand, 1);
    // The adapter itself is not stopped.
    await gateway.updateAttributes('a', { name: 'C' });
    expect(mock).toHaveReceivedCommandTimes(AdminUpdateUserAttributesCommand, 2);
  });

  test('userView: its own counts (each call once) and the quota category of every call, over a run view', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminUpdateUserAttributesCommand).rejectsOnce(throttle()).resolves({});
    mock.on(AdminGetUserCommand).resolves({ Username: 'a', UserAttributes: [] });
    const run = runView(gateway, new AbortController().signal);
    const at: string[] = [];
    const user = userView(run.gateway, 'standby', (k) => at.push(k));
    await user.getUser('a');
    await user.updateAttributes('a', { name: 'A' });
    expect(at).toEqual(['standby:UserRead', 'standby:UserUpdate']);
    expect(user.calls).toEqual({ AdminGetUser: 1, AdminUpdateUserAttributes: 1 });
    expect(user.writeCalls).toBe(1);
    expect(gateway.calls).toEqual({ AdminGetUser: 1, AdminUpdateUserAttributes: 2 });
  });

  test('caches are instance state: gateways on one client share pool configurations, another client reads again', async () => {
    const first = setup();
    first.mock.on(DescribeUserPoolCommand).resolves({ UserPool: describeUserPoolAnswer({ poolId: first.poolId }) });
    await first.gateway.describePool();
    // A second gateway on the same client (a warm Lambda container's context, a second reconcile run).
    const again = new CognitoGateway({
      region: 'us-east-1',
      poolId: first.poolId,
      client: first.client,
      clock: first.clock,
    });
    await again.describePool();
    await first.gateway.intercept({}).describePool();
    expect(first.mock).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 1);
    // The same pool through another client: its own cache.
    const other = setup();
    other.mock.on(DescribeUserPoolCommand).resolves({ UserPool: describeUserPoolAnswer({ poolId: first.poolId }) });
    const elsewhere = new CognitoGateway({ region: 'us-east-1', poolId: first.poolId, client: other.client });
    await elsewhere.describePool();
    expect(other.mock).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 1);
  });

  test('group listings are kept by the pool and shared by its views; a failed listing is forgotten', async () => {
    const { mock, gateway } = setup();
    mock
      .on(ListGroupsCommand)
      .rejectsOnce(new Error('denied'))
      .resolves({ Groups: [{ GroupName: 'admins' }] });
    await expect(gateway.groupListings.relist(() => gateway.listGroups())).rejects.toThrow('denied');
    expect(gateway.groupListings.latest()).toBeUndefined();
    const view = gateway.intercept({});
    const listing = await view.groupListings.relist(() => view.listGroups());
    expect([...listing.names]).toEqual(['admins']);
    expect(gateway.groupListings.latest()).toBeDefined();
    expect(await gateway.groupListings.latest()).toBe(listing);
  });

  test('the trigger attachment reads and writes pool settings through the port (paced and retried)', async () => {
    const { mock, gateway, poolId } = setup();
    mock.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: poolId, Name: 'p', UserPoolTier: 'ESSENTIALS' } });
    mock.on(UpdateUserPoolCommand).rejectsOnce(throttle()).resolves({});
    const settings = await gateway.describePoolSettings();
    expect(settings).toMatchObject({ Id: poolId, UserPoolTier: 'ESSENTIALS' });
    await gateway.describePoolSettings(); // uncached: a read-modify-write reads the pool as it is now
    expect(mock).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 2);
    await gateway.updatePoolSettings({ UserPoolId: poolId, PoolName: 'p' });
    expect(mock).toHaveReceivedCommandTimes(UpdateUserPoolCommand, 2);
    expect(gateway.limiter.throttles.size).toBe(1);
  });

  test('destroy closes the client (no .client on the port)', () => {
    const { client, gateway } = setup();
    const destroy = jest.spyOn(client, 'destroy');
    const pool: CognitoPool = gateway;
    pool.destroy();
    expect(destroy).toHaveBeenCalledTimes(1);
  });
});
