/**
 * Act 1: two Regions come up on this machine. Each gets its Cognito (the in-memory Cognito
 * model served over HTTP on its own loopback port), SQS with the sync queue and its DLQ, a
 * Lambda endpoint (Cognito invokes the trigger there), a DynamoDB for the replica index, a pool
 * configured like a production one, and the suite deployed as Lambda runs it.
 * @packageDocumentation
 */
import type { DrillOptions } from '../context';
import type { Narrator } from '../narrator';
import { SIDES } from '../runtime/names';
import { startWorld, type World } from '../runtime/world';

export const ACT1 = { n: 1, title: 'Two Regions on this machine' };

export async function act1(options: DrillOptions, narrator: Narrator, onWorld: (w: World) => void): Promise<World> {
  narrator.act(
    ACT1.n,
    ACT1.title,
    'a Cognito per Region (in-memory model, own port), SQS + DLQ, Lambda endpoint, DynamoDB, the suite deployed in both',
  );
  const world = await narrator.step(
    () => 'emulators, pools and deployments up in both Regions',
    async () => {
      const w = await startWorld({ primaryRegion: options.primaryRegion, standbyRegion: options.standbyRegion });
      onWorld(w);
      return w;
    },
  );
  for (const side of SIDES) {
    const r = world.regions[side];
    const d = world.deployments[side];
    narrator.info(
      `${side.padEnd(7)} ${r.region}: pool ${r.pool.poolId}, Cognito ${r.cognito.endpoint} (started in ${r.cognito.startupMs} ms, data in ${r.cognito.dataDir})`,
    );
    narrator.detail([
      `pool: e-mail as username, custom:tier, custom:source_sub + custom:source_mfa, optional SMS MFA, recovery by verified e-mail${side === 'primary' ? ', groups admins/editors/beta' : ''}`,
      `trigger  -> queue ${d.workerConfig.syncQueueUrl.split('/').pop()} (+DLQ) on ${r.sqs.endpoint}`,
      `worker   -> replicates ${r.region} -> ${d.workerConfig.standbyRegion}, quotas less ${d.workerConfig.quotaHeadroom * 100}% headroom, ${d.workerConfig.maxAttempts} attempts`,
      `capture  -> CloudTrail stand-in, rule drops the ${d.workerConfig.standbyRegion} deployment's roles (echoes); replica index on ${r.dynamo.endpoint}`,
    ]);
  }
  narrator.info(
    `time scale: the worker's back-off (30 s doubling to 1 h) runs 60x faster here, so an outage of seconds shows its retries`,
  );
  narrator.endAct('ok', `setup ${world.startupMs} ms`);
  return world;
}
