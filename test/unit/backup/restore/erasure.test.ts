import { readErasures, recordErasure } from '../../../../src/backup/erasure';
import { erasureKey, poolRoot } from '../../../../src/backup/keys';
import { MemoryBackupStore } from '../../../../src/backup/store';
import { POOL } from './fixtures';

const root = poolRoot('backups', POOL);

describe('the erasure ledger', () => {
  it('records an erasure once (put-new: an entry already there is kept as it was) and lists the erased subs', async () => {
    const store = new MemoryBackupStore();
    const sub = 'a1b2c3d4-0000-4000-8000-000000000000';
    expect(await recordErasure(store, root, { sub, at: '2026-11-30T10:00:00.000Z', cause: 'operator' })).toBe(
      'written',
    );
    expect(await recordErasure(store, root, { sub, at: '2026-11-30T11:00:00.000Z', cause: 'DeleteUser' })).toBe(
      'exists',
    );
    const kept = JSON.parse(new TextDecoder().decode(store.objects.get(erasureKey(root, sub))));
    expect(kept).toEqual({ sub, at: '2026-11-30T10:00:00.000Z', cause: 'operator' });
    expect(await readErasures(store, root)).toEqual(new Set([sub]));
    expect(await readErasures(store, poolRoot('backups', 'eu-west-1_Other'))).toEqual(new Set());
  });

  it('refuses a value that is not a sub (it names an object key)', async () => {
    const store = new MemoryBackupStore();
    await expect(
      recordErasure(store, root, { sub: '../x', at: '2026-11-30T10:00:00.000Z', cause: 'operator' }),
    ).rejects.toThrow(/source sub/);
    expect(store.objects.size).toBe(0);
  });
});
