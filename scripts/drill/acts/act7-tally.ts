/**
 * Act 7: the tally. Both pools are read back in full and every user the drill made is checked
 * in both (users lost must be 0), then the DLQs, the calls each side received per quota
 * category, and the replication lags.
 * @packageDocumentation
 */
import type { DrillContext } from '../context';
import { formatMs } from '../narrator';
import { addCounts, categoryRows } from '../runtime/calls';
import { type Side, SIDES } from '../runtime/names';
import { percentile } from '../runtime/tracker';
import { readPool, verify, type Verification } from '../runtime/verify';

export const ACT7 = { n: 7, title: 'Tally' };

export async function act7(ctx: DrillContext): Promise<Verification> {
  const { world, narrator, results } = ctx;
  const { regions, deployments } = world;
  narrator.act(ACT7.n, ACT7.title, 'both pools read back in full; every user the drill made checked in both');
  // Let anything in flight land first.
  for (const side of SIDES)
    if (deployments[side].workerRunning)
      await deployments[side]
        .drained(60_000)
        .catch((e) => results.failures.push(`${side} queue did not drain: ${(e as Error).message}`));

  const all = {
    primary: addCounts({}, regions.primary.cognito.shim.calls),
    standby: addCounts({}, regions.standby.cognito.shim.calls),
  };
  const suite = { primary: world.gateways.calls('primary'), standby: world.gateways.calls('standby') };
  results.calls = { all, suite };

  const pools = await narrator.step(
    'both pools read back (ListUsers, ListUsersInGroup, AdminGetUser per user)',
    async () => {
      const [p, s] = await Promise.all(SIDES.map((side) => readPool(regions[side].admin, regions[side].pool.poolId)));
      return { primary: p, standby: s };
    },
  );
  const v = verify(world.population, pools);
  results.verification = v;
  const dlq = {
    primary: (await deployments.primary.dlqDepth()).visible,
    standby: (await deployments.standby.dlqDepth()).visible,
  };
  results.dlq = dlq;
  const label = (side: Side) => `${regions[side].region} (${side})`;

  narrator.line();
  narrator.table(
    ['', label('primary'), label('standby')],
    [
      ['users in the pool', v.users.primary, v.users.standby],
      [
        'users made there by the drill',
        world.population.users.filter((u) => u.home === 'primary').length,
        world.population.users.filter((u) => u.home === 'standby').length,
      ],
      ['messages in the DLQ', dlq.primary, dlq.standby],
      ['users nobody made', v.unexpected.primary, v.unexpected.standby],
    ],
  );
  narrator.line();
  const lostText = v.lost === 0 ? narrator.green(narrator.bold('0')) : narrator.red(narrator.bold(String(v.lost)));
  narrator.line(
    `users expected in both pools: ${v.expected}; present and matching in both: ${v.intact}; ${narrator.bold('users lost:')} ${lostText}`,
    4,
  );
  narrator.line(
    `deleted users still present: ${v.resurrected.length}; home copies changed without loss: ${v.altered.length}`,
    4,
  );
  for (const p of [...v.missing, ...v.mismatched, ...v.resurrected].slice(0, 20))
    narrator.detail(`user #${p.n} (sub ${p.sub ?? '?'}): ${p.what.join('; ')}`);
  if (v.altered.length) {
    narrator.detail(
      `changed without loss (${v.altered.length}): ${[...new Set(v.altered.flatMap((p) => p.what))].join('; ')}`,
    );
    results.warnings.push(
      `${v.altered.length} users' home copies were changed by the suite without being lost (${[...new Set(v.altered.flatMap((p) => p.what))].join('; ')})`,
    );
  }

  narrator.line();
  narrator.line(
    narrator.bold(
      'calls by quota category: sent by the suite (workers, reconcilers, failover, doctor; refused attempts included), received by each Cognito (app and administrators included)',
    ),
    4,
  );
  narrator.table(
    [
      'category',
      'quota/s',
      `${regions.primary.region}: suite sent`,
      'received',
      `${regions.standby.region}: suite sent`,
      'received',
    ],
    categoryRows(all, suite).map((r) => [r.category, r.quota ?? '', ...r.cells]),
  );
  const components = world.gateways.byComponent();
  narrator.detail(
    `by component (primary/standby): ${Object.entries(components)
      .map(([k, c]) => `${k} ${c.primary}/${c.standby}`)
      .join(', ')}`,
    4,
  );

  narrator.line();
  narrator.line(narrator.bold('replication lag'), 4);
  narrator.table(
    ['change', 'path', 'n', 'p50', 'p95', 'max'],
    results.lags.map((l) => [
      l.kind,
      l.path,
      l.samples.length,
      formatMs(percentile(l.samples, 50)),
      formatMs(percentile(l.samples, 95)),
      formatMs(Math.max(...l.samples)),
    ]),
  );
  narrator.detail(
    `retries toward the primary during the outage: ${results.outageRetries}; echoes dropped by the rules: ${deployments.primary.capture.echoesFiltered} (${regions.primary.region}), ${deployments.standby.capture.echoesFiltered} (${regions.standby.region})`,
    4,
  );

  if (v.lost > 0) results.failures.push(`${v.lost} users lost`);
  if (v.resurrected.length > 0) results.failures.push(`${v.resurrected.length} deleted users still present`);
  if (v.unexpected.primary + v.unexpected.standby > 0) results.failures.push('users nobody made appeared');
  if (dlq.primary + dlq.standby > 0) results.failures.push(`${dlq.primary + dlq.standby} messages in the DLQs`);
  narrator.endAct(v.lost === 0 ? 'ok' : 'failed');
  return v;
}
