/**
 * Act 6: a bad day. A full snapshot of the primary is taken (the code of `npm run backup`); then a
 * bad script deletes users and strips a group in the primary. Change capture carries the damage
 * to the standby within a second, as it carries every change: a standby is not a backup. The
 * operator restores the whole primary pool to the instant before the script (the code of
 * `npm run restore -- --at … --apply`, no `--sub`: the snapshot plus the workers' journal, planned
 * against every user of the pool; the users the script did not touch are found in sync and left
 * alone), and change capture carries the restored users to the standby like any administrator's
 * change: both pools are back. Deleted users come back with a new `sub`
 * (Cognito assigns it) carrying the original in the source-sub attribute, CONFIRMED with a
 * password nobody knows (recoverable by a password reset: no backup holds passwords).
 * @packageDocumentation
 */
import path from 'node:path';
import { type CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { poolRoot } from '../../../src/backup/keys';
import { listJournal } from '../../../src/backup/restore/journal';
import { type RestoreResult, restore } from '../../../src/backup/restore/run';
import { takeSnapshot } from '../../../src/backup/snapshot';
import { S3BackupStore } from '../../../src/backup/store';
import { DEFAULT_SOURCE_SUB_ATTRIBUTE } from '../../../src/core/constants';
import { FileCheckpointStore } from '../../../src/reconcile/checkpoint';
import type { ProgressSink } from '../../../src/reconcile/progress';
import { formatSummary } from '../../../src/reconcile/summary';
import { addLag, type DrillContext, pause } from '../context';
import { formatMs } from '../narrator';
import type { Side } from '../runtime/names';
import type { DrillUser } from '../runtime/population';
import { clock } from '../runtime/tools';
import { percentile } from '../runtime/tracker';

export const ACT6 = { n: 6, title: 'A bad day' };

/** Users the bad script deletes. */
export function badScriptVictims(users: number): number {
  return Math.max(3, Math.min(10, Math.ceil(users / 20)));
}

/** A user of a pool found by its e-mail address (never printed), or undefined. */
async function userByEmail(client: CognitoIdentityProviderClient, poolId: string, email: string) {
  const r = await client.send(new ListUsersCommand({ UserPoolId: poolId, Filter: `email = "${email}"`, Limit: 2 }));
  const u = r.Users?.[0];
  if (!u) return undefined;
  const attributes = Object.fromEntries((u.Attributes ?? []).map((a) => [a.Name ?? '', a.Value ?? '']));
  return { username: u.Username ?? '', sub: attributes.sub ?? '', status: u.UserStatus ?? '?', attributes };
}

export async function act6(ctx: DrillContext): Promise<void> {
  const { world, narrator, signal, options } = ctx;
  const { primary, standby } = world.deployments;
  const regions = world.regions;
  const poolId = regions.primary.pool.poolId;
  narrator.act(
    ACT6.n,
    ACT6.title,
    `a script deletes users and strips a group in ${regions.primary.region}; the standby copies the damage; a restore to the instant before brings both back`,
  );
  const store = new S3BackupStore(world.backup.s3.client(), world.backup.bucket);
  const root = poolRoot(world.backup.prefix, poolId);
  const location = store.location(root);

  // --- 1. The nightly snapshot -----------------------------------------------------------
  const snapshotGateway = world.gateway('primary', 'operator');
  const snap = await narrator.step(
    `full snapshot of ${regions.primary.region} (npm run backup: list calls only, nothing billed as an active user)`,
    () => takeSnapshot({ pool: snapshotGateway, store, prefix: world.backup.prefix, signal }),
  );
  const m = snap.manifest;
  const perUser = Object.keys(snapshotGateway.calls).filter((op) => !/^(List|Describe|GetUserPoolMfaConfig)/.test(op));
  narrator.detail([
    `snapshot ${m.snapshotId}: ${m.counts.users} users, ${m.counts.groups} groups, ${m.counts.memberships ?? 0} memberships in ${m.chunks.length} chunks (${snap.bytes} bytes), manifest written last`,
    `calls: ${Object.entries(snapshotGateway.calls)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')}${perUser.length ? ` (PER-USER CALLS: ${perUser.join(', ')})` : ''}`,
    `location: ${location} in the local S3 (${world.backup.s3.endpoint})`,
  ]);
  if (perUser.length) ctx.results.failures.push(`the snapshot made per-user calls: ${perUser.join(', ')}`);
  const journalSoFar = await listJournal(store, root, 0, Date.now() + 60_000);
  narrator.detail(
    `the ${regions.primary.region} worker's journal so far: ${journalSoFar.length} batch objects (one per worker batch, every user it replicated)`,
  );

  // --- A user signs up after the snapshot: only the journal knows them ---------------------
  const app = world.apps.primary;
  const newcomer = world.population.add('primary', 'sign-up', { groups: ['beta'] });
  const since = Date.now();
  await narrator.step("a user signs up after the snapshot: only the worker's journal holds them", async () => {
    await app.signUp(newcomer);
    await app.confirm(newcomer);
    await primary.tracker.waitFor(
      newcomer.subs.primary,
      'PostConfirmation_ConfirmSignUp',
      since,
      30_000,
      'the newcomer to reach the standby',
    );
    await primary.drained(30_000);
  });

  // The restore point: before the script. CloudTrail times events to the second (so does the
  // journal's tombstones): the restore point is the last millisecond before the script's second
  // (an operator picks the minute before).
  await pause(1005 - (Date.now() % 1000), signal);
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 1);

  // --- 2. The bad script -----------------------------------------------------------------
  const homeUsers = world.population.users.filter((u) => u.home === 'primary' && !u.deleted);
  // Invited users (FORCE_CHANGE_PASSWORD) come back CONFIRMED: a change, not a loss, but the tally
  // would report it; the script picks among users who set their own password.
  const victims = [
    ...homeUsers
      .filter((u) => u.origin !== 'admin-created' && u !== newcomer)
      .slice(-(badScriptVictims(options.users) - 1) * 3)
      .filter((_, i) => i % 3 === 0),
    newcomer,
  ];
  const groupSizes = ['beta', 'editors', 'admins'].map((g) => ({
    group: g,
    members: homeUsers.filter((u) => u.groups.has(g) && !victims.includes(u)),
  }));
  // The smallest group with members (the whole story stays short at any size).
  const { group, members } = groupSizes
    .filter((g) => g.members.length > 0)
    .sort((a, b) => a.members.length - b.members.length)[0] ?? { group: 'beta', members: [] };
  const before = new Map<DrillUser, { groups: Set<string>; sub: string }>(
    [...victims, ...members].map((u) => [u, { groups: new Set(u.groups), sub: u.subs.primary! }]),
  );
  const damage: { user: DrillUser; reason: string; at: number }[] = [];
  await narrator.step(
    `a bad script in ${regions.primary.region}: deletes ${victims.length} users, removes the ${members.length} member(s) of group ${group}`,
    async () => {
      for (const u of victims) {
        damage.push({ user: u, reason: 'AdminDeleteUser', at: Date.now() });
        await app.delete(u);
      }
      for (const u of members) {
        damage.push({ user: u, reason: 'AdminRemoveUserFromGroup', at: Date.now() });
        await app.removeFromGroup(u, group);
      }
    },
  );
  narrator.detail(`deleted: ${victims.map((u) => `#${u.n} (sub ${before.get(u)!.sub})`).join(', ')}`);

  // --- 3. The standby copies the damage --------------------------------------------------
  await primary.flushCapture();
  const lags = await narrator.step('change capture carries the damage to the standby', () =>
    Promise.all(
      damage.map(async (d) => {
        const done = await primary.tracker.waitFor(
          before.get(d.user)!.sub,
          d.reason,
          d.at,
          30_000,
          `${d.reason} of user #${d.user.n} to reach the standby`,
        );
        return { kind: d.reason, lag: done.at - d.at };
      }),
    ),
  );
  await primary.drained(30_000);
  const deletions = lags.filter((l) => l.kind === 'AdminDeleteUser').map((l) => l.lag);
  const removals = lags.filter((l) => l.kind === 'AdminRemoveUserFromGroup').map((l) => l.lag);
  addLag(ctx.results, 'bad script: deletion', 'CloudTrail -> rule -> queue -> worker', deletions);
  if (removals.length)
    addLag(ctx.results, 'bad script: group removal', 'CloudTrail -> rule -> queue -> worker', removals);
  const stillInStandby = await countPresent(ctx, 'standby', victims);
  const all = lags.map((l) => l.lag);
  narrator.warn(
    `the standby lost them too: ${victims.length - stillInStandby} of ${victims.length} deleted users gone from ${regions.standby.region}, group ${group} emptied there as well (lag p50 ${formatMs(percentile(all, 50))}, max ${formatMs(Math.max(...all))}). A standby is not a backup.`,
  );

  // --- 4. Restore the primary to the instant before --------------------------------------
  narrator.info(
    `the operator restores the whole pool the app uses, ${regions.primary.region}, to the instant before the script (${at.toISOString()}), from the snapshot and the journal: ` +
      `every user is planned, those the script did not touch are found in sync (${before.size} were touched); ` +
      'the standby follows through change capture, as for any administrator change (restoring it separately would make replicas the restored users do not match)',
  );
  const target = world.gateway('primary', 'operator');
  const dir = path.join(world.workDir, 'restore');
  const progress: ProgressSink = {
    phase() {},
    update() {},
    log: (msg) => narrator.detail(`restore: ${msg}`),
    end() {},
  };
  const run = (apply: boolean): Promise<RestoreResult> =>
    restore({
      backup: store,
      root,
      at,
      target,
      checkpoint: new FileCheckpointStore(path.join(dir, `${apply ? 'apply' : 'dry-run'}.checkpoint.json`)),
      stateDir: path.join(dir, `${apply ? 'apply' : 'dry-run'}.state`),
      apply,
      // The local Cognito lists a user as soon as it exists: no listing lag to allow for (real
      // Cognito: a minute). The drill's clock is compressed: act 3 deleted a user, change capture
      // off, seconds after the journal last read it.
      listingMarginMs: 1_000,
      reconcile: { clock, progress: apply ? progress : { ...progress, log() {} } },
    });
  const dry = await narrator.step(
    `npm run restore -- --from s3://${world.backup.bucket}/${world.backup.prefix} --at ${at.toISOString()} --target-pool ${poolId} (dry run, the whole pool)`,
    () => run(false),
  );
  const s = dry.state;
  narrator.detail(
    `state at the restore point: snapshot ${s.snapshotId} + ${s.journalRecords} journal records (${s.journalObjects} objects, ${s.gaps.length} gaps): ${s.users} users (${s.fromJournal} from the journal alone, ${s.deleted} deleted before it); would create ${dry.run?.report.counts.create ?? '?'}, update ${dry.run?.report.counts.update ?? '?'}`,
  );
  const applied = await narrator.step('... the same with --apply', () => run(true));
  if (applied.run)
    narrator.detail(
      formatSummary(applied.run.report)
        .split('\n')
        .filter((l) => /^\s*(Reconcile|Users|Drift|Applied|Calls):? /.test(l)),
    );
  for (const w of applied.warnings) ctx.results.warnings.push(`act 6 restore: ${w}`);
  if (applied.exitCode !== 0) ctx.results.failures.push(`restore --apply ended with exit status ${applied.exitCode}`);

  // --- 5. The standby follows; both pools verified ---------------------------------------
  await narrator.step(`change capture carries the restored users to ${regions.standby.region}`, async () => {
    await primary.flushCapture();
    await primary.drained(30_000);
    await standby.drained(30_000);
  });
  // The model: the users are back, as they were at the restore point, the deleted ones under a new sub.
  const problems: string[] = [];
  for (const [u, was] of before) {
    u.deleted = false;
    u.groups = new Set(was.groups);
  }
  for (const u of victims) {
    const [home, replica] = await Promise.all(
      (['primary', 'standby'] as Side[]).map((side) =>
        userByEmail(regions[side].admin, regions[side].pool.poolId, u.email),
      ),
    );
    const was = before.get(u)!.sub;
    if (!home) problems.push(`user #${u.n} (sub ${was}) not restored in the primary`);
    else {
      if (home.attributes[DEFAULT_SOURCE_SUB_ATTRIBUTE] !== was)
        problems.push(`user #${u.n}: the restored user does not carry its original sub`);
      u.subs.primary = home.sub;
      u.restoredFrom = was;
      u.tags.add('restored');
    }
    if (!replica) {
      problems.push(`user #${u.n} (sub ${was}) not back in the standby`);
      u.subs.standby = undefined;
    } else u.subs.standby = replica.sub;
  }
  for (const p of problems) ctx.results.failures.push(`act 6: ${p}`);
  ctx.results.badDay = {
    deleted: victims.length,
    goneFromStandby: victims.length - stillInStandby,
    strippedMembers: members.length,
    backInPrimary: victims.filter((u) => u.restoredFrom).length,
    backInStandby: victims.filter((u) => u.restoredFrom && u.subs.standby).length,
    backFromJournal: newcomer.restoredFrom && newcomer.subs.standby ? 1 : 0,
    restoredState: applied.state.users,
    restoredInSync: applied.run?.report.counts.inSync ?? 0,
  };
  const back = victims.filter((u) => u.tags.has('restored'));
  narrator.ok(
    `both pools hold the ${back.length} deleted users again (new subs, e.g. #${back[0]?.n}: ${back[0] ? `${before.get(back[0])!.sub} -> ${back[0].subs.primary}` : '-'}, the original in ${DEFAULT_SOURCE_SUB_ATTRIBUTE}) and group ${group} its ${members.length} member(s); the tally checks every user`,
  );
  narrator.detail(
    'restored users are CONFIRMED with a password nobody knows: they sign in again after a password reset (no backup holds passwords or TOTP secrets)',
  );
  narrator.endAct(problems.length ? 'failed' : 'ok');
}

/** How many of `users` a pool still holds (by address). */
async function countPresent(ctx: DrillContext, side: Side, users: DrillUser[]): Promise<number> {
  const r = ctx.world.regions[side];
  let n = 0;
  for (const u of users) if (await userByEmail(r.admin, r.pool.poolId, u.email)) n++;
  return n;
}
