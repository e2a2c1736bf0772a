/** Writing backups in the shared format (src/backup/types.ts, keys.ts) for the restore's tests and bench. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { journalKey, manifestKey, snapshotRoot } from '../../../../src/backup/keys';
import type { BackupStore } from '../../../../src/backup/store';
import type { BackedUpUser, JournalRecord, SnapshotChunk, SnapshotManifest } from '../../../../src/backup/types';
import type { GroupInfo } from '../../../../src/core/types';

export const POOL = 'eu-west-1_Primary1';

function jsonLines(records: unknown[]): Uint8Array {
  return gzipSync(Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join('')));
}

/** A user as backed up; `n` makes a distinct sub and name. */
export function backedUp(n: number, overrides: Partial<BackedUpUser> = {}): BackedUpUser {
  const sub = overrides.sub ?? `${(n % 16).toString(16)}${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`;
  return {
    username: `user${n}`,
    sub,
    attributes: { sub, email: `user${n}@example.com`, email_verified: 'true', name: `User ${n}` },
    enabled: true,
    status: 'CONFIRMED',
    groups: [],
    createdAt: '2026-11-01T00:00:00.000Z',
    lastModifiedAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

export interface SnapshotFixture {
  snapshotId: string;
  startedAt: string;
  finishedAt?: string;
  users: BackedUpUser[];
  /** Group definitions, and optionally `{ group, definition?, members }` lines (the snapshot writer's form). */
  groups?: (GroupInfo | { group: string; definition?: GroupInfo; members: string[] })[];
  config?: Record<string, unknown>;
  /** Users per chunk. Default 1000. */
  chunkUsers?: number;
  /** Leave the manifest out (a snapshot cut short). */
  noManifest?: boolean;
}

/** Writes a snapshot: chunks, then the manifest last. */
export async function writeSnapshot(store: BackupStore, root: string, s: SnapshotFixture): Promise<SnapshotManifest> {
  const dir = snapshotRoot(root, s.snapshotId);
  const chunks: SnapshotChunk[] = [];
  const put = async (name: string, kind: SnapshotChunk['kind'], body: Uint8Array, records: number) => {
    const key = `${dir}${name}`;
    await store.putNew(key, body, 'application/gzip');
    chunks.push({ key, kind, records, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  };
  const per = s.chunkUsers ?? 1000;
  for (let i = 0; i * per < s.users.length || i === 0; i++) {
    const part = s.users.slice(i * per, (i + 1) * per);
    await put(`users-${i}.jsonl.gz`, 'users', jsonLines(part), part.length);
  }
  await put('groups-0.jsonl.gz', 'groups', jsonLines(s.groups ?? []), (s.groups ?? []).length);
  if (s.config) await put('config.json.gz', 'config', gzipSync(Buffer.from(JSON.stringify(s.config))), 1);
  const manifest: SnapshotManifest = {
    format: 1,
    poolId: POOL,
    region: 'eu-west-1',
    snapshotId: s.snapshotId,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt ?? s.startedAt,
    counts: { users: s.users.length, groups: (s.groups ?? []).length },
    chunks,
  };
  if (!s.noManifest)
    await store.putNew(manifestKey(root, s.snapshotId), Buffer.from(JSON.stringify(manifest)), 'application/json');
  return manifest;
}

/** Writes one journal batch. */
export async function writeBatch(
  store: BackupStore,
  root: string,
  writtenAt: string,
  writerId: string,
  seq: number,
  records: JournalRecord[],
): Promise<string> {
  const key = journalKey(root, new Date(writtenAt), writerId, seq);
  await store.putNew(key, jsonLines(records), 'application/gzip');
  return key;
}

/** A journal record of a user's state. */
export function stateRecord(at: string, user: BackedUpUser): JournalRecord {
  return { kind: 'user', at, user };
}

/** A journal record of a deletion. */
export function tombstone(at: string, user: BackedUpUser, cause = 'AdminDeleteUser'): JournalRecord {
  return { kind: 'tombstone', at, sub: user.sub, username: user.username, cause };
}
