/**
 * Act 2: normal days. Users sign up in the primary through the app client and confirm with the
 * code Cognito "sent" (some are confirmed by an administrator instead); some join groups, some
 * turn on SMS MFA. Every confirmation fires the post confirmation trigger through the Cognito
 * model's Lambda invoke; the worker replicates each user to the standby. Later an administrator
 * disables one user, and change capture carries that over too.
 * @packageDocumentation
 */
import { addLag, type DrillContext, paced } from '../context';
import { formatMs } from '../narrator';
import { percentile } from '../runtime/tracker';
import type { DrillUser } from '../runtime/population';

export const ACT2 = { n: 2, title: 'Normal days' };

const CONFIRMED = 'PostConfirmation_ConfirmSignUp';

/** Which users do what, by their number (deterministic, so runs compare). */
function profile(i: number): { origin: 'sign-up' | 'admin-confirmed'; smsMfa: boolean; groups: string[] } {
  const groups: string[] = [];
  if (i % 5 === 0) groups.push('beta');
  if (i % 12 === 0) groups.push('editors');
  if (i % 50 === 1) groups.push('admins');
  return { origin: i % 10 === 7 ? 'admin-confirmed' : 'sign-up', smsMfa: i % 8 === 3, groups };
}

export async function act2(ctx: DrillContext): Promise<void> {
  const { world, narrator, options, signal } = ctx;
  const { primary } = world.deployments;
  const app = world.apps.primary;
  const n = options.users;
  narrator.act(
    ACT2.n,
    ACT2.title,
    `${n} users sign up in ${primary.region} at ${options.rate}/s; each confirmation fires the trigger, the worker replicates to ${primary.workerConfig.standbyRegion}`,
  );

  const users: DrillUser[] = [];
  for (let i = 1; i <= n; i++) {
    const p = profile(i);
    const u = world.population.add('primary', p.origin, { smsMfa: p.smsMfa, groups: p.groups });
    users.push(u);
  }
  let confirmed = 0;
  const progress = narrator.live();
  const show = () => {
    const replicated = users.filter(
      (u) => u.subs.primary && primary.tracker.completionOf(u.subs.primary, CONFIRMED),
    ).length;
    progress.update(
      `confirmed ${confirmed}/${n} · replicated ${replicated}/${n} · retries ${primary.tracker.retries.length}`,
    );
  };
  const ticker = setInterval(show, 250);
  const t0 = Date.now();
  try {
    await paced(users, options.rate, 16, signal, async (u) => {
      await app.signUp(u);
      if (u.origin === 'admin-confirmed') await app.adminConfirm(u);
      else await app.confirm(u);
      confirmed++;
    });
    const signedUpMs = Date.now() - t0;
    progress.done();
    narrator.ok(
      `${n} users signed up and confirmed in ${primary.region}: ${users.filter((u) => u.origin === 'sign-up').length} with the e-mailed code, ${users.filter((u) => u.origin === 'admin-confirmed').length} by an administrator; ` +
        `${users.filter((u) => u.smsMfa).length} with SMS MFA, ${users.filter((u) => u.groups.size).length} in groups`,
      signedUpMs,
    );
    // Wait for every confirmation to be replicated.
    await Promise.all(
      users.map((u) =>
        primary.tracker.waitFor(
          u.subs.primary,
          CONFIRMED,
          0,
          60_000 + n * 200,
          `user #${u.n} (sub ${u.subs.primary}) to reach the standby`,
        ),
      ),
    );
  } finally {
    clearInterval(ticker);
    progress.done();
  }
  const lags = users.map((u) => primary.tracker.completionOf(u.subs.primary!, CONFIRMED)!.at - u.readyAt!);
  const dlq = users.filter((u) => primary.tracker.completionOf(u.subs.primary!, CONFIRMED)?.outcome === 'dlq').length;
  addLag(ctx.results, 'sign-up', 'trigger -> queue -> worker', lags);
  const firstTry = users.filter((u) => primary.tracker.completionOf(u.subs.primary!, CONFIRMED)!.attempt === 1).length;
  narrator.ok(
    `all ${n} arrived in ${primary.workerConfig.standbyRegion}: replication lag p50 ${formatMs(percentile(lags, 50))}, p95 ${formatMs(percentile(lags, 95))}, max ${formatMs(Math.max(...lags))} ` +
      `(${firstTry} on the first attempt${dlq ? `, ${dlq} to the DLQ` : ''})`,
    Date.now() - t0,
  );
  narrator.detail(
    `lag = from the confirmation to the worker acknowledging the user's message (standby written); the worker paces itself to the standby's quotas (ListUsers and AdminSetUserPassword at 24/s after headroom)`,
  );
  if (dlq) ctx.results.failures.push(`${dlq} sign-ups went to the DLQ`);

  // An administrator disables a user later: change capture carries it over.
  const victim = users.find((u) => !u.smsMfa && u.groups.size === 0 && u.origin === 'sign-up') ?? users[0];
  const at = Date.now();
  await app.setEnabled(victim, false);
  victim.tags.add('disabled');
  await primary.flushCapture();
  const done = await primary.tracker.waitFor(
    victim.subs.primary,
    'AdminDisableUser',
    at,
    30_000,
    'the disable to reach the standby',
  );
  addLag(ctx.results, 'disable', 'CloudTrail -> rule -> queue -> worker', [done.at - at]);
  narrator.ok(
    `an administrator disabled user ${victim.subs.primary}: disabled in the standby ${formatMs(done.at - at)} later (change capture)`,
  );
  narrator.endAct('ok');
}
