import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poolRoot } from '../../../../src/backup/keys';
import { restore } from '../../../../src/backup/restore/run';
import { takeSnapshot } from '../../../../src/backup/snapshot';
import { MemoryBackupStore } from '../../../../src/backup/store';
import { Pair } from '../../reconcile/fixture';

it('restores what the snapshot writer wrote: every user, group membership, group definition and disabled state', async () => {
  const pair = new Pair();
  pair.source.group('admins', { Precedence: 3, Description: 'A' });
  for (let i = 0; i < 150; i++) pair.user(`u${i}`, { groups: i % 2 ? ['admins'] : [], enabled: i % 3 !== 0 });
  const store = new MemoryBackupStore();
  const { source, target } = pair.gateways();
  const snap = await pair.clock.run(takeSnapshot({ pool: source, store, prefix: 'b', now: () => pair.clock.now() }));
  pair.clock.advance(60_000);
  const r = await pair.clock.run(
    restore({
      backup: store,
      root: poolRoot('b', source.poolId),
      at: new Date(pair.clock.now()),
      target,
      checkpoint: pair.store,
      stateDir: join(mkdtempSync(join(tmpdir(), 'interop-')), 's'),
      apply: true,
      reconcile: { clock: pair.clock },
    }),
  );
  expect(snap.manifest.counts.users).toBe(150);
  expect(r.exitCode).toBe(0);
  expect(r.state.users).toBe(150);
  expect(pair.target.users.size).toBe(150);
  expect(pair.target.group('admins').members.size).toBe(75);
  expect(pair.target.group('admins').Precedence).toBe(3);
  expect([...pair.target.users.values()].filter((u) => !u.Enabled).length).toBe(50);
});
