/**
 * Act 4: the primary Region goes down (its Cognito endpoint refuses connections; its Lambda
 * functions stop). The failover script runs against the standby only and writes the
 * notification manifest. Users keep signing up in the standby; their replication toward the
 * primary fails and is retried with back-off, never dropped. One of those sign-ups meets an
 * unreachable SQS: the sign-up still succeeds (the trigger never fails it).
 * @packageDocumentation
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_QUOTA_HEADROOM } from '../../../src/core/constants';
import { failoverLimiter, runFailover } from '../../../src/failover/run';
import { type DrillContext, pause } from '../context';
import type { DrillUser } from '../runtime/population';

export const ACT4 = { n: 4, title: 'Outage of the primary Region' };

/** Sign-ups in the standby during the outage. */
export function outageUserCount(users: number): number {
  return Math.max(4, Math.min(50, Math.ceil(users / 20)));
}

export async function act4(ctx: DrillContext): Promise<void> {
  const { world, narrator, signal, options } = ctx;
  const { primary, standby } = world.deployments;
  const regions = world.regions;
  narrator.act(
    ACT4.n,
    ACT4.title,
    `${regions.primary.region} stops answering; everything now happens in ${regions.standby.region}`,
  );

  await narrator.step(
    `${regions.primary.region} down: its Cognito endpoint refuses connections, its worker and change capture stop`,
    async () => {
      await primary.stopCapture();
      await primary.stopWorker();
      await regions.primary.cognito.stop();
    },
  );

  // --- Failover, from the standby alone ------------------------------------------------
  const dir = path.join(world.workDir, 'failover');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out = path.join(dir, `manifest-${regions.standby.pool.poolId}.csv`);
  const { limiter, rate } = failoverLimiter({ headroom: DEFAULT_QUOTA_HEADROOM });
  const gateway = world.gateway('standby', 'operator', undefined, limiter);
  const report = await narrator.step(
    `failover script against ${regions.standby.region} only (dry run: lists users, writes the manifest, sends nothing)`,
    () =>
      runFailover(
        {
          region: regions.standby.region,
          poolId: regions.standby.pool.poolId,
          out,
          format: 'csv',
          send: false,
          journal: path.join(dir, 'journal.jsonl'),
          sourceSubAttribute: standby.workerConfig.sourceSubAttribute,
          mfaMarkerAttribute: standby.workerConfig.mfaMarkerAttribute,
        },
        { standby: gateway, sender: gateway, sendRate: rate, confirm: async () => false },
      ),
  );
  narrator.detail(`$DRILL_DIR = ${world.workDir} (private, removed at the end)`);
  narrator.detail(report.summary.map((l) => l.split(world.workDir).join('$DRILL_DIR')));
  const mode = (statSync(report.files.manifest).mode & 0o777).toString(8);
  const calls = Object.entries(gateway.calls)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  narrator.info(
    `manifest mode ${mode}${mode === '600' ? ' (owner only)' : ' (EXPECTED 600)'}; calls made: ${calls}, all to ${regions.standby.region}`,
  );
  if (mode !== '600') ctx.results.failures.push(`failover manifest has mode ${mode}, not 600`);
  if (report.exitCode !== 0) ctx.results.failures.push(`failover dry run exit status ${report.exitCode}`);

  // --- Sign-ups in the standby meanwhile ------------------------------------------------
  const m = outageUserCount(options.users);
  const app = world.apps.standby;
  const users: DrillUser[] = [];
  for (let i = 0; i < m; i++) users.push(world.population.add('standby', 'sign-up', { smsMfa: i === 1 }));
  const t0 = Date.now();
  await narrator.step(
    `${m} users sign up in ${regions.standby.region} during the outage; one of them while the standby's SQS drops the trigger's send`,
    async () => {
      for (const [i, u] of users.entries()) {
        await app.signUp(u);
        if (i === 0) {
          // The trigger cannot reach SQS: it gives up within its budget; the sign-up succeeds anyway.
          regions.standby.sqs.faults = { unreachable: true };
          try {
            await app.confirm(u);
          } finally {
            regions.standby.sqs.faults = {};
          }
          u.tags.add('trigger-send-failed');
        } else await app.confirm(u);
      }
    },
  );
  narrator.detail(
    `the sign-up whose message never reached the queue (sub ${users[0].subs.standby}) succeeded anyway: the trigger logs it and the reverse reconcile backfills it`,
  );

  // Watch the retries toward the primary.
  const queued = users.slice(1);
  const progress = narrator.live(1000);
  const deadline = Date.now() + 8000;
  const attempts = (u: DrillUser) => standby.tracker.retries.filter((r) => r.info.sub === u.subs.standby).length;
  // Until every queued user has failed at least once and the back-off has come round again.
  const shown = () =>
    queued.every((u) => attempts(u) >= 1) && standby.tracker.retries.some((r) => r.at >= t0 && r.attempt >= 2);
  while (Date.now() < deadline && !shown()) {
    const depth = await standby.depth();
    progress.update(
      `failed attempts toward ${regions.primary.region}: ${standby.tracker.retriesSince(t0)} · queue ${depth.visible} waiting, ${depth.inFlight} backing off`,
    );
    await pause(250, signal);
  }
  progress.done();
  ctx.results.outageRetries = standby.tracker.retriesSince(t0);
  const dlq = await standby.dlqDepth();
  narrator.ok(
    `${queued.length} users queued for ${regions.primary.region}: ${ctx.results.outageRetries} attempts failed (primary unreachable) and were rescheduled with back-off; DLQ: ${dlq.visible}`,
  );
  const backoff = [...new Set(standby.tracker.retries.filter((r) => r.at >= t0).map((r) => r.attempt))].sort(
    (a, b) => a - b,
  );
  narrator.detail(
    `attempts seen so far: ${backoff.join(', ')}; the worker's schedule is 30 s doubling to 1 h over 30 attempts (about 24 h) before the DLQ`,
  );
  narrator.endAct('ok');
}
