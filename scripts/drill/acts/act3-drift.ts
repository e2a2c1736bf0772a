/**
 * Act 3: drift. First, administrators change users in the primary with change capture on:
 * edits, group changes, an MFA change, admin-created users (no trigger fires for them) and a
 * deletion reach the standby within seconds (lag per kind). Then drift the suite cannot see:
 * change capture is off (CloudTrail delivery is best effort) while users are created, edited
 * and deleted, and one sign-up's queue message is lost before the worker sees it. The doctor
 * checks both pools, the reconciler's dry run finds exactly that drift, `--apply` repairs it,
 * and the readiness summary says how ready the standby is.
 * @packageDocumentation
 */
import { comparePools, hasBlockers } from '../../../src/doctor/compare';
import { readPoolSnapshot } from '../../../src/doctor/read';
import { doctorFindingsRecord } from '../../../src/report';
import { addLag, type DrillContext } from '../context';
import { formatMs } from '../narrator';
import type { DrillUser } from '../runtime/population';
import { loseMessageOf } from '../runtime/queue-tools';
import { percentile } from '../runtime/tracker';
import { printSummary, runReconcile } from './shared';

export const ACT3 = { n: 3, title: 'Drift' };

/** Picks users to change: never the same one twice until `reset()`; only live, enabled users. */
function picker(users: DrillUser[]) {
  const used = new Set<number>();
  const pick = (test: (u: DrillUser) => boolean = () => true): DrillUser => {
    const u = users.find((x) => !x.deleted && !used.has(x.n) && x.enabled && test(x));
    if (!u) throw new Error(`no user left to change (the drill needs at least ${MIN_USERS} users)`);
    used.add(u.n);
    return u;
  };
  return Object.assign(pick, { reset: () => used.clear() });
}

/** Users act 3 needs from act 2 (eight changed with change capture on, then six with it off). */
export const MIN_USERS = 10;

export async function act3(ctx: DrillContext): Promise<void> {
  const { world, narrator } = ctx;
  const { primary, standby } = world.deployments;
  const app = world.apps.primary;
  narrator.act(
    ACT3.n,
    ACT3.title,
    'changes the trigger never sees; change capture carries most, the reconciler the rest',
  );
  const pick = picker(world.population.users.filter((u) => u.home === 'primary'));

  // --- 3a. With change capture on --------------------------------------------------------
  narrator.info(`change capture on: administrators change users in ${primary.region}`);
  const echoesBefore = standby.capture.echoesFiltered;
  const changes: { kind: string; reason: string; user: DrillUser; at: number; lag?: number }[] = [];
  const change = async (kind: string, reason: string, user: DrillUser, fn: () => Promise<void>) => {
    const at = Date.now();
    await fn();
    changes.push({ kind, reason, user, at });
  };
  // The users with a constraint are picked first, so that ten users are always enough.
  const mfaOff = pick((x) => x.smsMfa);
  const leaver = pick((x) => x.groups.has('beta'));
  const edited3 = [pick(), pick(), pick()];
  const joiners = [pick((x) => !x.groups.has('editors')), pick((x) => !x.groups.has('editors'))];
  const gone = pick();
  for (const [i, u] of edited3.entries()) {
    await change('attribute edit', 'AdminUpdateUserAttributes', u, () =>
      app.updateAttributes(u, { 'custom:tier': 'team', given_name: ['Ada', 'Grace', 'Alan'][i] }),
    );
  }
  for (const u of joiners) await change('group add', 'AdminAddUserToGroup', u, () => app.addToGroup(u, 'editors'));
  await change('group remove', 'AdminRemoveUserFromGroup', leaver, () => app.removeFromGroup(leaver, 'beta'));
  await change('MFA change', 'AdminSetUserMFAPreference', mfaOff, () => app.setSmsMfa(mfaOff, false));
  for (let i = 0; i < 2; i++) {
    const u = world.population.add('primary', 'admin-created', { groups: i === 0 ? ['editors'] : [] });
    await change('admin create', 'AdminCreateUser', u, () => app.adminCreate(u));
  }
  await change('deletion', 'AdminDeleteUser', gone, () => app.delete(gone));
  await primary.flushCapture();
  const t0 = Date.now();
  await Promise.all(
    changes.map(async (c) => {
      const done = await primary.tracker.waitFor(
        c.user.subs.primary,
        c.reason,
        c.at,
        30_000,
        `${c.kind} of user #${c.user.n} to reach the standby`,
      );
      c.lag = done.at - c.at;
    }),
  );
  const kinds = [...new Set(changes.map((c) => c.kind))];
  const rows = kinds.map((kind) => {
    const lags = changes.filter((c) => c.kind === kind).map((c) => c.lag ?? Number.NaN);
    addLag(ctx.results, kind, 'CloudTrail -> rule -> queue -> worker', lags);
    return [kind, lags.length, formatMs(percentile(lags, 50)), formatMs(Math.max(...lags))];
  });
  narrator.ok(`${changes.length} changes reached the standby through change capture`, Date.now() - t0);
  narrator.table(['change', 'users', 'lag p50', 'lag max'], rows);
  await standby.drained(30_000);
  narrator.info(
    `echoes: the ${standby.region} rule saw the ${primary.region} worker's writes into the standby and dropped ${standby.capture.echoesFiltered - echoesBefore} of them as replication echoes (nothing replicated back)`,
  );

  // --- 3b. Drift change capture does not see ---------------------------------------------
  narrator.info(
    `change capture off in ${primary.region} for a while (CloudTrail to EventBridge delivery is best effort), and a queue message lost:`,
  );
  await primary.stopCapture();
  pick.reset();
  const created: DrillUser[] = [];
  for (let i = 0; i < 3; i++) {
    const u = world.population.add('primary', 'admin-created', { groups: i === 0 ? ['beta'] : [] });
    await app.adminCreate(u);
    u.tags.add('drift');
    created.push(u);
  }
  const edited: DrillUser[] = [];
  for (let i = 0; i < 4; i++) {
    const u = pick();
    await app.updateAttributes(u, { 'custom:tier': 'pro', family_name: `Drift${i}` });
    edited.push(u);
  }
  const regrouped = pick((x) => !x.groups.has('admins'));
  await app.addToGroup(regrouped, 'admins');
  const deleted = pick();
  await app.delete(deleted);
  const lostUser = world.population.add('primary', 'sign-up');
  const lost = await loseMessageOf(
    primary,
    world.regions.primary,
    async () => {
      await app.signUp(lostUser);
      await app.confirm(lostUser);
    },
    () => lostUser.subs.primary,
  );
  if (!lost) ctx.results.warnings.push('act 3: the queue message to lose was not found');
  primary.startCapture();
  narrator.detail([
    `${created.length} users created by an administrator (no trigger fires for them)`,
    `${edited.length} users edited, 1 added to a group, 1 deleted`,
    `1 sign-up (sub ${lostUser.subs.primary}) whose queue message was deleted before the worker saw it${lost ? '' : ' (NOT FOUND)'}`,
  ]);
  narrator.info('change capture back on');
  await primary.drained(30_000);

  // --- Doctor ----------------------------------------------------------------------------
  const findings = await narrator.step('doctor: both pools compared', async () => {
    const [s, t] = await Promise.all([
      readPoolSnapshot(world.gateway('primary', 'operator')),
      readPoolSnapshot(world.gateway('standby', 'operator')),
    ]);
    const found = comparePools(s, t, {
      sourceSubAttribute: primary.workerConfig.sourceSubAttribute,
      mfaMarkerAttribute: primary.workerConfig.mfaMarkerAttribute,
    });
    ctx.results.doctor = doctorFindingsRecord(s.config, t.config, found, new Date());
    return found;
  });
  const count = (sev: string) => findings.filter((f) => f.severity === sev).length;
  narrator.detail(`${count('blocker')} blocker(s), ${count('warning')} warning(s), ${count('info')} note(s)`);
  for (const f of findings.filter((x) => x.severity !== 'info'))
    narrator.detail(`${f.severity.toUpperCase()} [${f.area}] ${f.title}`, 8);
  if (hasBlockers(findings)) ctx.results.warnings.push(`doctor: ${count('blocker')} blocker(s) on the drill's pools`);

  // --- Reconciler ------------------------------------------------------------------------
  const dry = await narrator.step('reconciler dry run (primary -> standby): lists both pools, writes nothing', () =>
    runReconcile(ctx, 'primary', false, 'forward-dry-run'),
  );
  printSummary(narrator, dry);
  const expect = { missing: created.length + (lost ? 1 : 0), drifted: edited.length + 1, orphans: 1 };
  const found = { missing: dry.counts.create, drifted: dry.counts.update, orphans: dry.counts.orphans };
  const same = found.missing === expect.missing && found.drifted === expect.drifted && found.orphans === expect.orphans;
  (same ? narrator.ok.bind(narrator) : narrator.warn.bind(narrator))(
    `found ${found.missing} missing, ${found.drifted} drifted, ${found.orphans} orphan; the drill made ${expect.missing} missing, ${expect.drifted} drifted, ${expect.orphans} orphan`,
  );
  if (!same)
    ctx.results.warnings.push(
      `reconciler dry run found ${JSON.stringify(found)}, the drill made ${JSON.stringify(expect)}`,
    );

  const applied = await narrator.step('reconciler --apply (with --delete-orphans)', () =>
    runReconcile(ctx, 'primary', true, 'forward-apply'),
  );
  printSummary(narrator, applied);
  const r = applied.readiness;
  narrator.ok(
    `readiness: ${(r.share * 100).toFixed(1)}% of ${r.expected} users present and matching in ${standby.region}; failover notifications would take ${r.notifications.human}`,
  );
  await Promise.all([primary.drained(30_000), standby.drained(30_000)]);
  narrator.endAct('ok');
}
