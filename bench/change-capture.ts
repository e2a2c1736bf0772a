/**
 * Change-capture latency, locally: time from a change on the primary to the standby matching it,
 * for an attribute edit, a disable, a group change and a deletion (p50 / p95 over N users).
 *
 *   npm run bench:changes            # N = 20 per kind
 *   BENCH_N=50 npm run bench:changes
 *
 * Runs both deployments on the emulators (the Cognito model over HTTP, local-aws-sqs, dynalite): the
 * CloudTrail emitter with the production rule (the event delivered as is), the sync queue, the real worker
 * (polled like the Lambda SQS event source) and the replica index. What it does NOT include: the
 * CloudTrail -> EventBridge delivery delay of AWS, which the emitter skips (docs/CHANGE-CAPTURE.md).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminListGroupsForUserCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { logger } from '../src/observability';
import { startCaptureDeployment } from '../scripts/local/deployment';
import { startCognitoEmulator } from '../scripts/local/cognito';
import { startDynamoEmulator } from '../scripts/local/dynamodb';
import { createDrillPools } from '../scripts/local/pools';
import { startSqsEmulator } from '../scripts/local/sqs';

logger.setLogLevel('SILENT');

const N = Number(process.env.BENCH_N ?? 20);
const POLL_MS = 5;
const TIMEOUT_MS = 30_000;

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > TIMEOUT_MS) throw new Error('timed out waiting for the standby');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const attr = (u: UserType | undefined, name: string) => u?.Attributes?.find((a) => a.Name === name)?.Value;

async function main(): Promise<void> {
  const [primary, standby, sqs, dynamo] = await Promise.all([
    startCognitoEmulator({ name: 'bench-primary', region: 'us-east-1' }),
    startCognitoEmulator({ name: 'bench-standby', region: 'us-west-2' }),
    startSqsEmulator(),
    startDynamoEmulator(),
  ]);
  try {
    const admin = primary.client();
    const standbyClient: CognitoIdentityProviderClient = standby.client();
    const pools = await createDrillPools(admin, standbyClient, { prefix: 'bench' });
    const common = { sqs, dynamo, visibilityTimeout: 5 };
    const east = await startCaptureDeployment({
      ...common,
      local: { emulator: primary, poolId: pools.primary.poolId },
      peer: { emulator: standby, poolId: pools.standby.poolId },
    });
    const west = await startCaptureDeployment({
      ...common,
      local: { emulator: standby, poolId: pools.standby.poolId },
      peer: { emulator: primary, poolId: pools.primary.poolId },
    });
    const P = pools.primary.poolId;
    const S = pools.standby.poolId;
    await admin.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'support' }));

    const replicaOf = async (email: string) =>
      (await standbyClient.send(new ListUsersCommand({ UserPoolId: S, Filter: `email = "${email}"` }))).Users?.[0];
    const users: { email: string; username: string; replica: string }[] = [];
    for (let i = 0; i < N; i++) {
      const email = `bench.${i}@example.com`;
      const r = await admin.send(
        new AdminCreateUserCommand({
          UserPoolId: P,
          Username: email,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      const replica = await until(async () => (await replicaOf(email))?.Username);
      users.push({ email, username: r.User!.Username!, replica });
    }
    await east.settle();

    const kinds: Record<string, (u: (typeof users)[number], i: number) => Promise<number>> = {
      'attribute edit': async (u, i) => {
        const t0 = performance.now();
        await admin.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: P,
            Username: u.username,
            UserAttributes: [{ Name: 'name', Value: `Name ${i}` }],
          }),
        );
        await until(async () => (attr(await replicaOf(u.email), 'name') === `Name ${i}` ? true : undefined));
        return performance.now() - t0;
      },
      disable: async (u) => {
        const t0 = performance.now();
        await admin.send(new AdminDisableUserCommand({ UserPoolId: P, Username: u.username }));
        await until(async () => ((await replicaOf(u.email))?.Enabled === false ? true : undefined));
        return performance.now() - t0;
      },
      'group change': async (u) => {
        const t0 = performance.now();
        await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: P, Username: u.username, GroupName: 'support' }));
        await until(async () => {
          const g = await standbyClient.send(new AdminListGroupsForUserCommand({ UserPoolId: S, Username: u.replica }));
          return g.Groups?.some((x) => x.GroupName === 'support') ? true : undefined;
        });
        return performance.now() - t0;
      },
      deletion: async (u) => {
        const t0 = performance.now();
        await admin.send(new AdminDeleteUserCommand({ UserPoolId: P, Username: u.username }));
        await until(async () => ((await replicaOf(u.email)) === undefined ? true : undefined));
        return performance.now() - t0;
      },
    };

    const results: { kind: string; n: number; p50: number; p95: number; max: number }[] = [];
    for (const [kind, run] of Object.entries(kinds)) {
      const ms: number[] = [];
      for (const [i, u] of users.entries()) {
        ms.push(await run(u, i));
        await east.settle(); // one change at a time: latency, not throughput
      }
      ms.sort((a, b) => a - b);
      results.push({
        kind,
        n: ms.length,
        p50: Math.round(percentile(ms, 50)),
        p95: Math.round(percentile(ms, 95)),
        max: Math.round(ms[ms.length - 1]),
      });
    }
    await Promise.all([east.settle(), west.settle()]);
    console.log('| change | n | p50 (ms) | p95 (ms) | max (ms) |');
    console.log('|---|---|---|---|---|');
    for (const r of results) console.log(`| ${r.kind} | ${r.n} | ${r.p50} | ${r.p95} | ${r.max} |`);
    console.log(
      `echo check: the west rule let ${west.emitter.stats.matched} of ${west.emitter.stats.calls} replication writes through (expected 0)`,
    );
    console.log(
      JSON.stringify({
        bench: 'change-capture',
        n: N,
        results,
        echoes: west.emitter.stats.matched,
        node: process.version,
      }),
    );
    await east.stop();
    await west.stop();
  } finally {
    await Promise.allSettled([primary.destroy(), standby.destroy(), sqs.stop(), dynamo.stop()]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
