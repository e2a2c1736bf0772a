/**
 * Act 5: failback. The primary Region comes back (same data, same endpoint). The standby's
 * queue drains into it: every user who signed up during the outage arrives in the primary.
 * Then a reverse reconcile (standby -> primary) closes what no message carried.
 * @packageDocumentation
 */
import { addLag, type DrillContext } from '../context';
import { formatMs } from '../narrator';
import { percentile } from '../runtime/tracker';
import { printSummary, runReconcile } from './shared';

export const ACT5 = { n: 5, title: 'Failback' };

export async function act5(ctx: DrillContext): Promise<void> {
  const { world, narrator } = ctx;
  const { primary, standby } = world.deployments;
  const regions = world.regions;
  narrator.act(
    ACT5.n,
    ACT5.title,
    `${regions.primary.region} is back; the standby's queue drains into it, then a reverse reconcile`,
  );
  const restartedAt = Date.now();
  await narrator.step(
    `${regions.primary.region} restarted on the same data and endpoint (${regions.primary.cognito.endpoint}); its worker and change capture resume`,
    async () => {
      if (!regions.primary.cognito.running) await regions.primary.cognito.restart();
      primary.startWorker();
      primary.startCapture();
    },
  );

  const outage = world.population.users.filter((u) => u.home === 'standby');
  const queued = outage.filter((u) => !u.tags.has('trigger-send-failed'));
  const CONFIRMED = 'PostConfirmation_ConfirmSignUp';
  await narrator.step(`the ${regions.standby.region} queue drained into ${regions.primary.region}`, async () => {
    await Promise.all(
      queued.map((u) =>
        standby.tracker.waitFor(u.subs.standby, CONFIRMED, restartedAt, 60_000, `user #${u.n} to reach the primary`),
      ),
    );
    await standby.drained(60_000);
  });
  const sinceRestart = queued.map(
    (u) => standby.tracker.completionOf(u.subs.standby!, CONFIRMED, restartedAt)!.at - restartedAt,
  );
  const endToEnd = queued.map(
    (u) => standby.tracker.completionOf(u.subs.standby!, CONFIRMED, restartedAt)!.at - u.readyAt!,
  );
  addLag(ctx.results, 'outage sign-up', 'standby queue, retried until the primary was back', endToEnd);
  const attempts = queued.map((u) => standby.tracker.completionOf(u.subs.standby!, CONFIRMED, restartedAt)!.attempt);
  narrator.ok(
    `${queued.length} outage sign-ups replicated into ${regions.primary.region}: ${formatMs(percentile(sinceRestart, 50))} (p50) after the restart, ` +
      `on attempt ${Math.min(...attempts)}-${Math.max(...attempts)}; none lost, DLQ ${(await standby.dlqDepth()).visible}`,
  );

  const reverse = await narrator.step(
    `reverse reconcile ${regions.standby.region} -> ${regions.primary.region} --apply`,
    () => runReconcile(ctx, 'standby', true, 'reverse-apply'),
  );
  printSummary(narrator, reverse);
  await Promise.all([primary.drained(30_000), standby.drained(30_000)]);
  narrator.endAct('ok');
}
