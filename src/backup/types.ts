/**
 * The backup format: what a snapshot and the journal hold, shared by the writers (worker stream,
 * scheduled snapshot, `npm run backup`) and the reader (`npm run restore`). Version 1.
 *
 * Layout under `s3://<bucket>/<prefix>/<poolId>/` (see {@link ./keys}):
 * - `snapshots/<snapshotId>/users-<n>.jsonl.gz` (each line a {@link BackedUpUser}),
 *   `groups-<n>.jsonl.gz` (each line a {@link SnapshotGroupLine}), `config.json.gz` (one
 *   {@link SnapshotConfig}), then `manifest.json` written LAST: a snapshot without a manifest
 *   does not exist for a reader.
 * - `journal/<yyyy>/<mm>/<dd>/<hh>/<writtenAt>-<writerId>-<seq>.jsonl.gz`: one object per worker
 *   batch, append-only, each line a {@link JournalRecord}.
 * - `erasures/<sub>.json`: the erasure ledger, one object per erased source `sub`
 *   ({@link ErasureRecord}); a `sub` there is never restored, whatever a backup holds.
 *
 * No backup ever holds a password, a password hash, a TOTP secret or a token: Cognito never
 * returns them, and nothing here asks.
 * @packageDocumentation
 */
import type { GroupInfo, MfaState } from '../core/types';

/** The format version written in every manifest and journal object name's records. */
export const BACKUP_FORMAT = 1;

/** A user's full state as backed up (a {@link UserRecord} made serialisable). */
export interface BackedUpUser {
  username: string;
  /** The source `sub` (also in `attributes.sub`). */
  sub: string;
  /** Every attribute Cognito returned, verified flags included (`email_verified`, ...). */
  attributes: Record<string, string>;
  enabled: boolean;
  status: string;
  /** Group names, sorted; absent when not known (a snapshot joins them from the group listings). */
  groups?: string[];
  /** MFA as known (AdminGetUser); absent when not read (a snapshot lists only). */
  mfa?: MfaState;
  /** Cognito's `UserCreateDate`, ISO. */
  createdAt?: string;
  /**
   * Cognito's `UserLastModifiedDate`, ISO: the ordering key between two states of one user (the
   * service's clock, not a writer's).
   */
  lastModifiedAt?: string;
}

/** One line of the journal: a user's state after a change, or its deletion. */
export type JournalRecord =
  | {
      kind: 'user';
      /** When the state was read (writer's clock, ISO). */
      at: string;
      user: BackedUpUser;
    }
  | {
      kind: 'tombstone';
      /** When the deletion happened: the CloudTrail `eventTime` when known (AWS's clock), else the writer's. */
      at: string;
      sub: string;
      username?: string;
      /** `AdminDeleteUser` (restorable) or `DeleteUser` (the user's own request: an erasure). */
      cause?: string;
    };

/** One chunk object of a snapshot, as its manifest lists it. */
export interface SnapshotChunk {
  key: string;
  kind: 'users' | 'groups' | 'config';
  records: number;
  bytes: number;
  /** SHA-256 of the object's bytes (hex). */
  sha256: string;
}

/** A group with its definition, as a snapshot holds it. */
export interface BackedUpGroup extends GroupInfo {}

/**
 * One line of a `groups-<n>.jsonl.gz` chunk: one ListUsersInGroup page of one group. The first
 * line of each group carries its `definition` (a group with no member has exactly one line, with
 * `members: []`); its later lines carry only members. Members are source `sub`s: a reader joins
 * them to the users (a snapshot never holds a user -> groups map of the whole pool).
 */
export interface SnapshotGroupLine {
  group: string;
  definition?: BackedUpGroup;
  members: string[];
}

/**
 * The one record of `config.json.gz`: the pool's configuration as Cognito reports it, secrets
 * left out. `pool` is DescribeUserPool's `UserPool` (schema, policies, MFA and account recovery
 * settings, message templates, triggers by ARN, domain names) as JSON; `mfa` is
 * GetUserPoolMfaConfig's answer without its metadata. Neither holds a secret. The other fields
 * were added later (same format version: a reader treats their absence as "not backed up").
 */
export interface SnapshotConfig {
  pool: Record<string, unknown>;
  mfa?: Record<string, unknown>;
  /** App clients (DescribeUserPoolClient), each without its secret. */
  clients?: BackedUpAppClient[];
  /** Identity providers (DescribeIdentityProvider), each without its secret `ProviderDetails`. */
  identityProviders?: BackedUpIdentityProvider[];
  /** Resource servers and their scopes (ListResourceServers). */
  resourceServers?: Record<string, unknown>[];
  /** The pool's domains (DescribeUserPoolDomain): its prefix domain and its custom domain. */
  domain?: { prefix?: Record<string, unknown>; custom?: Record<string, unknown> };
}

/** An app client as backed up: DescribeUserPoolClient's answer with `ClientSecret` removed. */
export interface BackedUpAppClient {
  client: Record<string, unknown>;
  /** The client had a secret (a recreated client gets a new one). */
  hadSecret: boolean;
}

/** An identity provider as backed up: DescribeIdentityProvider's answer, secret details removed. */
export interface BackedUpIdentityProvider {
  provider: Record<string, unknown>;
  /** The `ProviderDetails` keys removed (`client_secret`, ...): what a restore must ask for. */
  removedSecrets: string[];
}

/** The manifest, written last: its presence means every chunk it lists is complete. */
export interface SnapshotManifest {
  format: typeof BACKUP_FORMAT;
  poolId: string;
  region: string;
  snapshotId: string;
  /** The listing started (ISO). Journal records from shortly before this on are replayed over it. */
  startedAt: string;
  finishedAt: string;
  /** Users (lines of the `users` chunks), groups (definitions) and memberships (`members` entries). */
  counts: { users: number; groups: number; memberships?: number };
  chunks: SnapshotChunk[];
}

/** One entry of the erasure ledger. */
export interface ErasureRecord {
  sub: string;
  /** When it was recorded (ISO). */
  at: string;
  /** `DeleteUser` (self-service deletion seen by change capture) or `operator` (`restore --forget`). */
  cause: 'DeleteUser' | 'operator';
}
